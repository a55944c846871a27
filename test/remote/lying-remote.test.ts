import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { Oid } from '../../src/hash/index.js';
import { advertisedRefs, decodeIds, encodeFrames, openRepositoryPath, readWireObjects, type WireObject } from '../../src/remote/index.js';
import type { Repository } from '../../src/repo/index.js';
import { dv, dvOk, tmpDir } from '../helpers.js';
import { makeSourceRepo } from './fixtures.js';

/**
 * A server speaking the protocol for a real repository, but lying the way `lie` says:
 * bytes that do not match their id, or a ref to an object it does not hold.
 */
type Lie = 'wrong-bytes' | 'phantom-ref';

let src: Repository;
let srcDir: string;
const phantom = 'ab'.repeat(32) as Oid;

before(() => {
  srcDir = makeSourceRepo().dir;
  src = openRepositoryPath(srcDir);
});
after(async () => { await src.close(); });

async function liar(lie: Lie): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const body: Buffer[] = [];
    for await (const c of req) body.push(c as Buffer);
    const endpoint = req.url!.split('/').pop();
    if (endpoint === 'refs') {
      const { refs, head } = advertisedRefs(src);
      const out = Object.fromEntries(refs);
      if (lie === 'phantom-ref') out['refs/heads/main'] = phantom;
      res.end(JSON.stringify({ refs: out, head }));
    } else if (endpoint === 'has') {
      const ids = decodeIds(Buffer.concat(body));
      res.end(Buffer.from(ids.map(() => 1)));
    } else if (endpoint === 'objects') {
      const ids = decodeIds(Buffer.concat(body)).filter((id) => id !== phantom);
      async function* tampered(): AsyncGenerator<WireObject> {
        for await (const o of readWireObjects(src, ids)) {
          if (lie === 'wrong-bytes' && o.kind === 'blob' && o.payload.length > 1000) {
            const p = Buffer.from(o.payload);
            p[p.length - 10]! ^= 0x55;
            yield { ...o, payload: p };
          } else {
            yield o;
          }
        }
      }
      Readable.from(encodeFrames(tampered())).pipe(res);
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/src`, close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }) };
}

/** Runs dv in a child process without blocking this process's event loop (the liar lives here). */
async function dvLive(cwd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const { dvAsync } = await import('./serve-helpers.js');
  return dvAsync(cwd, args);
}

test('a remote that sends bytes not matching their id is refused: the clone fails and leaves nothing', async () => {
  const l = await liar('wrong-bytes');
  try {
    const root = tmpDir();
    const r = await dvLive(root, ['clone', l.url, 'c']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dv: object [0-9a-f]{64} (is corrupt|does not)/);
    assert.ok(!fs.existsSync(path.join(root, 'c')));
  } finally { await l.close(); }
});

test('a fetch from a lying remote changes no ref and stores nothing that failed verification', async () => {
  const l = await liar('wrong-bytes');
  try {
    const root = tmpDir();
    const repo = path.join(root, 'r');
    dvOk(root, ['init', repo]);
    dvOk(repo, ['remote', 'add', 'origin', l.url]);
    const r = await dvLive(repo, ['fetch']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /corrupt|does not decode|does not decompress/);
    assert.equal(dv(repo, ['rev-parse', 'origin/main']).code, 1, 'no remote-tracking ref appeared');
    const fsck = dv(repo, ['fsck']);
    assert.equal(fsck.code, 0, fsck.stderr + fsck.stdout);
  } finally { await l.close(); }
});

test('a remote that advertises an object it does not have is caught', async () => {
  const l = await liar('phantom-ref');
  try {
    const root = tmpDir();
    const r = await dvLive(root, ['clone', l.url, 'c']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /did not send/);
    assert.ok(!fs.existsSync(path.join(root, 'c')));
  } finally { await l.close(); }
});
