import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oidToBytes } from '../../src/hash/index.js';
import { openRepository } from '../../src/repo/index.js';
import { flattenTree } from '../../src/history/index.js';
import { dv, makeRepo } from '../helpers.js';
import { commitOnHead, flipStoredByte, noise } from '../maintenance/build.js';

async function repoWithHistory(): Promise<{ dir: string; blob: string; commit: string }> {
  const dir = makeRepo();
  const repo = openRepository(dir);
  commitOnHead(repo, { 'data/a.csv': 'k,v\n1,2\n' }, 'first');
  const commit = commitOnHead(repo, { 'data/a.csv': 'k,v\n1,3\n', 'big.bin': noise(500_000) }, 'second');
  const blob = flattenTree(repo.objects, repo.objects.readCommit(commit).tree).get('data/a.csv' as never)!.id;
  await repo.close();
  return { dir, blob, commit };
}

test('dv fsck passes on a clean repository', async () => {
  const { dir } = await repoWithHistory();
  const r = dv(dir, ['fsck']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /checked \d+ objects .*0 dangling/);
  assert.equal(r.stderr, '');
  const j = dv(dir, ['fsck', '--json']);
  assert.equal(j.code, 0);
  const report = JSON.parse(j.stdout);
  assert.equal(report.ok, true);
  assert.deepEqual(report.corrupt, []);
});

test('dv fsck exits 1 and names a corrupt object', async () => {
  const { dir, blob } = await repoWithHistory();
  const repo = openRepository(dir);
  flipStoredByte(repo, blob as never, 3);
  await repo.close();
  const r = dv(dir, ['fsck']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`corrupt ${blob}`));
  assert.match(r.stderr, /^dv: repository check failed: 1 corrupt object\n$/);
  const j = dv(dir, ['fsck', '--json']);
  assert.equal(j.code, 1);
  assert.deepEqual(JSON.parse(j.stdout).corrupt.map((c: { id: string }) => c.id), [blob]);
  // fsck only reads: a second run finds the same.
  assert.equal(dv(dir, ['fsck', '--json']).stdout, j.stdout);
});

test('dv fsck exits 1 and names a missing object and its referrer', async () => {
  const { dir, commit } = await repoWithHistory();
  const repo = openRepository(dir);
  const tree = repo.objects.readCommit(commit as never).tree;
  repo.env.objects.removeSync(oidToBytes(tree));
  await repo.close();
  const r = dv(dir, ['fsck']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`missing ${tree} \\(referenced by commit ${commit.slice(0, 12)} tree\\)`));
  assert.match(r.stderr, /missing/);
});

test('dv fsck outside a repository is an error', () => {
  const r = dv('/', ['fsck']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^dv: not inside a dv repository/);
});
