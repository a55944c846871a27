import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openRepositoryPath } from '../../src/remote/index.js';
import { readGeneration } from '../../src/store/index.js';
import { dv, dvOk, tmpDir } from '../helpers.js';
import { makeSourceRepo } from './fixtures.js';
import { dvAsync, startServe } from './serve-helpers.js';

/** How many write transactions a repository has committed. */
async function commits(dir: string): Promise<number> {
  const repo = openRepositoryPath(dir);
  try { return readGeneration(repo.env); } finally { await repo.close(); }
}

// A corrected file's chunks are deltas against the chunks they replace, which travel just
// before them. Reading such a base back must not cost a commit (a disk flush) per delta.
test('a clone and a push of corrected data take their delta bases from what was just received: a few commits, not one per delta', async () => {
  const { dir: src } = makeSourceRepo();
  const root = tmpDir();

  dvOk(root, ['clone', src, 'c']);
  const clone = path.join(root, 'c');
  const cloneCommits = await commits(clone);
  assert.ok(cloneCommits < 15, `the clone committed ${cloneCommits} times`);
  assert.equal(dv(clone, ['fsck']).code, 0);

  const hub = path.join(root, 'hub');
  dvOk(root, ['init', '--bare', hub]);
  const before = await commits(hub);
  const s = await startServe(['--port', '0', hub], root);
  try {
    dvOk(src, ['remote', 'add', 'hub', `${s.url}/hub`]);
    const r = await dvAsync(src, ['push', 'hub', 'main']);
    assert.equal(r.code, 0, r.stderr);
  } finally { await s.stop(); }
  const pushCommits = (await commits(hub)) - before;
  assert.ok(pushCommits < 15, `the push committed ${pushCommits} times`);
  assert.equal(dv(hub, ['fsck']).code, 0);
  assert.equal(dvOk(hub, ['rev-parse', 'main']), dvOk(src, ['rev-parse', 'main']));
});
