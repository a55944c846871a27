import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openRepositoryPath } from '../../src/remote/index.js';
import type { Repository } from '../../src/repo/index.js';
import { DV, dv, dvOk, TEST_ENV, tmpDir } from '../helpers.js';
import { makeSourceRepo } from './fixtures.js';
import { dvAsync, lyingRemote } from './serve-helpers.js';

let src: Repository;
let srcDir: string;

before(() => {
  srcDir = makeSourceRepo().dir;
  src = openRepositoryPath(srcDir);
});
after(async () => { await src.close(); });

test('a remote that sends bytes not matching their id is refused: the clone fails and leaves nothing', async () => {
  const l = await lyingRemote(src, 'wrong-bytes');
  try {
    const root = tmpDir();
    const r = await dvAsync(root, ['clone', l.url, 'c']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dv: object [0-9a-f]{64} (is corrupt|does not)/);
    assert.ok(!fs.existsSync(path.join(root, 'c')));
  } finally { await l.close(); }
});

test('a fetch from a lying remote changes no ref and stores nothing that failed verification', async () => {
  const l = await lyingRemote(src, 'wrong-bytes');
  try {
    const root = tmpDir();
    const repo = path.join(root, 'r');
    dvOk(root, ['init', repo]);
    dvOk(repo, ['remote', 'add', 'origin', l.url]);
    const r = await dvAsync(repo, ['fetch']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /corrupt|does not decode|does not decompress/);
    assert.equal(dv(repo, ['rev-parse', 'origin/main']).code, 1, 'no remote-tracking ref appeared');
    const fsck = dv(repo, ['fsck']);
    assert.equal(fsck.code, 0, fsck.stderr + fsck.stdout);
  } finally { await l.close(); }
});

test('a remote that advertises an object it does not have is caught', async () => {
  const l = await lyingRemote(src, 'phantom-ref');
  try {
    const root = tmpDir();
    const r = await dvAsync(root, ['clone', l.url, 'c']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /did not send/);
    assert.ok(!fs.existsSync(path.join(root, 'c')));
  } finally { await l.close(); }
});

test('a remote whose answer never ends is cut off at a bound with a clear error, not read until memory runs out', async () => {
  const l = await lyingRemote(src, 'endless');
  try {
    const root = tmpDir();
    const r = await dvAsync(root, ['clone', l.url, 'c']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^dv: the remote sent more than 64\.0 MiB for its list of refs: it is not a dv server, or a broken one\n/);
    assert.ok(!fs.existsSync(path.join(root, 'c')));
  } finally { await l.close(); }
});

test('a remote that stops sending mid-object fails the clone after DV_HTTP_TIMEOUT seconds, with a hint, and leaves nothing', async () => {
  const l = await lyingRemote(src, 'stalls');
  try {
    const root = tmpDir();
    const started = Date.now();
    const r = await dvAsync(root, ['clone', l.url, 'c'], { DV_HTTP_TIMEOUT: '1' });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^dv: http:\/\/127\.0\.0\.1:\d+\/src\/ sent nothing for 1 s$/m);
    assert.match(r.stderr, /hint: .*run the command again .*DV_HTTP_TIMEOUT/);
    assert.ok(Date.now() - started < 10_000, 'it gave up after about a second');
    assert.ok(!fs.existsSync(path.join(root, 'c')));
  } finally { await l.close(); }
});

test('DV_HTTP_TIMEOUT that is not a positive number is refused before anything is asked', async () => {
  const root = tmpDir();
  const r = await dvAsync(root, ['clone', 'http://127.0.0.1:9/hub', 'c'], { DV_HTTP_TIMEOUT: 'soon' });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^dv: DV_HTTP_TIMEOUT needs a number of seconds above 0, got "soon"$/m);
  assert.ok(!fs.existsSync(path.join(root, 'c')));
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} in the middle of a clone removes the partial clone and exits ${signal === 'SIGINT' ? 130 : 143}`, async () => {
    const l = await lyingRemote(src, 'stalls');
    try {
      const root = tmpDir();
      const target = path.join(root, 'c');
      const child = spawn(process.execPath, [DV, 'clone', l.url, 'c'], { cwd: root, env: { ...process.env, ...TEST_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
      // The repository exists once the refs are listed; the objects' request then stalls.
      for (let i = 0; i < 200 && !fs.existsSync(path.join(target, '.dv')); i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(fs.existsSync(path.join(target, '.dv')), 'the clone started');
      await new Promise((r) => setTimeout(r, 300));
      child.kill(signal);
      assert.equal(await exited, signal === 'SIGINT' ? 130 : 143, stderr);
      assert.match(stderr, /^dv: interrupted; removed the partial clone in .*\/c$/m);
      assert.ok(!fs.existsSync(target));
    } finally { await l.close(); }
  });
}
