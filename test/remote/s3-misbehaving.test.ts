import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';
import S3rver from 's3rver';
import { dv, dvOk, tmpDir } from '../helpers.js';
import { makeSourceRepo } from './fixtures.js';
import { dvAsync } from './s3-server.js';
import { S3Transport } from '../../src/remote/s3/index.js';

// S3 servers that misbehave. s3rver speaks S3 well enough for the SDK but accepts a
// conditional PUT whatever the key's state: dv must notice and refuse to move refs there.
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: tmpDir('s3rver-'), configureBuckets: [{ name: 'plain', configs: [] }] });
const { port } = (await server.run()) as { port: number };
after(() => server.close());

test('a server that ignores conditional writes is refused before any ref moves', async () => {
  const env = { AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
  const { dir } = makeSourceRepo();
  dvOk(dir, ['remote', 'add', 'plain', 's3://plain/repo'], { env });
  const r = await dvAsync(dir, ['push', 'plain', 'main'], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^dv: the S3 server for s3:\/\/plain\/repo\/ ignores conditional writes \(If-None-Match\), so concurrent pushes could lose commits; refusing to update refs\nhint: .*AWS S3, MinIO or Ceph RGW\n$/);
  Object.assign(process.env, env);
  const t = S3Transport.open('s3://plain/repo');
  try {
    assert.equal((await t.listRefs()).refs.size, 0, 'no ref was published');
  } finally { await t.close(); }
  assert.equal(dv(dir, ['rev-parse', 'refs/remotes/plain/main']).code, 1);
});

test('an S3 endpoint that accepts connections and then says nothing fails the clone after DV_HTTP_TIMEOUT, leaving nothing', async () => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const endpoint = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  try {
    const root = tmpDir();
    const env = { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: 'K', AWS_SECRET_ACCESS_KEY: 'S', AWS_REGION: 'us-east-1', DV_HTTP_TIMEOUT: '0.5' };
    const started = Date.now();
    const r = await dvAsync(root, ['clone', 's3://quiet/repo', 'c'], env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^dv: ${endpoint.replace(/\./g, '\\.')} sent nothing for 0\\.5 s \\(read s3://quiet/repo/\\S+, 4 attempts\\)$`, 'm'));
    assert.match(r.stderr, /^hint: the server or the network may be down: run the command again/m);
    assert.ok(Date.now() - started < 30_000, 'it gave up');
    assert.ok(!fs.existsSync(path.join(root, 'c')));
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});
