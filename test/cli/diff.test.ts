import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { dv, dvOk, makeRepo, writeFiles, tmpDir } from '../helpers.js';
import { buildRepo, expectFailure, refsSnapshot } from '../history/cli-fixture.js';
import { commitOn } from '../history/fixtures.js';

async function twoCommits() {
  return buildRepo((repo) => {
    const a = commitOn(repo, {
      'data/keep.csv': 'same\n', 'data/mod.csv': '12345', 'data/gone.csv': 'xyz', 'run.sh': 'echo', 'deep/x/y/z.csv': 'z',
    }, 'before');
    const b = commitOn(repo, {
      'data/keep.csv': 'same\n', 'data/mod.csv': '1234567890', 'data/new.csv': 'n', 'run.sh': { content: 'echo', kind: 'exec' }, 'deep/x/y/z.csv': 'z',
    }, 'after');
    return { a, b };
  });
}

test('diff REV REV: file-level changes with sizes, in path order', async () => {
  const { dir } = await twoCommits();
  assert.equal(dvOk(dir, ['diff', 'HEAD~1', 'HEAD']), [
    'D  data/gone.csv  (3 B)',
    'M  data/mod.csv  (5 B -> 10 B)',
    'A  data/new.csv  (1 B)',
    'M  run.sh  (4 B -> 4 B, file -> exec)',
    '',
  ].join('\n'));
  assert.equal(dvOk(dir, ['diff', 'HEAD~1..HEAD']), dvOk(dir, ['diff', 'HEAD~1', 'HEAD']));
  assert.equal(dvOk(dir, ['diff', 'HEAD', 'HEAD']), '');
  assert.equal(dvOk(dir, ['diff', 'HEAD', 'HEAD~1']).split('\n')[0], 'A  data/gone.csv  (3 B)');
  assert.equal(dvOk(dir, ['diff', 'HEAD~1', 'HEAD', '--', 'data/mod.csv', 'run.sh']), 'M  data/mod.csv  (5 B -> 10 B)\nM  run.sh  (4 B -> 4 B, file -> exec)\n');
  assert.equal(dvOk(dir, ['diff', 'HEAD~1', 'HEAD', '--', 'deep']), '');
  // Trees can be compared directly.
  assert.equal(dvOk(dir, ['diff', 'HEAD~1:data', 'HEAD:data']).split('\n')[0], 'D  gone.csv  (3 B)');
});

test('diff --stat: per-file byte change and a summary line', async () => {
  const { dir } = await twoCommits();
  assert.equal(dvOk(dir, ['diff', 'HEAD~1', 'HEAD', '--stat']), [
    ' data/gone.csv | deleted, 3 B',
    ' data/mod.csv  | 5 B -> 10 B (+5 B)',
    ' data/new.csv  | new, 1 B',
    ' run.sh        | 4 B -> 4 B (+0 B)',
    ' 4 files changed, 1 added, 1 deleted, 2 modified; +6 B, -3 B',
    '',
  ].join('\n'));
  assert.equal(dvOk(dir, ['diff', 'HEAD', 'HEAD', '--stat']), '');
});

test('diff --json: one document with changes, stat and summary', async () => {
  const { dir, a } = await twoCommits();
  const d = JSON.parse(dvOk(dir, ['diff', a.slice(0, 8), 'main', '--json', '--stat']));
  assert.equal(d.from.rev, a.slice(0, 8));
  assert.equal(d.to.rev, 'main');
  assert.equal(typeof d.to.tree, 'string');
  assert.deepEqual(d.changes.map((c: { status: string; path: string }) => `${c.status} ${c.path}`),
    ['deleted data/gone.csv', 'modified data/mod.csv', 'added data/new.csv', 'modified run.sh']);
  const mod = d.changes[1];
  assert.equal(mod.old.size, 5);
  assert.equal(mod.new.size, 10);
  assert.match(mod.old.id, /^[0-9a-f]{64}$/);
  assert.deepEqual(d.stat[1], { path: 'data/mod.csv', status: 'modified', oldSize: 5, newSize: 10, delta: 5 });
  assert.deepEqual(d.summary, { files: 4, added: 1, deleted: 1, modified: 2, typeChanged: 0, bytesAdded: 6, bytesRemoved: 3 });
});

test('diff failures: unknown revisions, too many arguments, paths outside, bare repositories', async () => {
  const { dir } = await twoCommits();
  const before = refsSnapshot(dir);
  expectFailure(dv(dir, ['diff', 'nope', 'HEAD']), 1, "unknown revision 'nope'");
  expectFailure(dv(dir, ['diff', 'HEAD', 'HEAD~5']), 1, "unknown revision 'HEAD~5': it goes past the root commit");
  expectFailure(dv(dir, ['diff', 'HEAD:data/mod.csv', 'HEAD']), 1, "'HEAD:data/mod.csv' is a file, not a directory");
  expectFailure(dv(dir, ['diff', 'a', 'b', 'c']), 2, /^dv: Unknown argument/);
  expectFailure(dv(dir, ['diff', 'HEAD~1', 'HEAD', '--', '../x']), 1, /^dv: path is outside the repository/);
  assert.equal(refsSnapshot(dir), before);
  const bare = tmpDir();
  dvOk(bare, ['init', '--bare']);
  expectFailure(dv(bare, ['diff']), 1, 'this operation needs a working tree, but the repository is bare');
});

test('end to end: diff against the working tree after dv add and dv commit', () => {
  const dir = makeRepo({ 'data/a.csv': 'id,v\n1,a\n', 'data/b.csv': 'b\n', 'notes.txt': 'n\n' });
  dvOk(dir, ['add', 'data', 'notes.txt']);
  dvOk(dir, ['commit', '-m', 'first']);
  assert.equal(dvOk(dir, ['diff']), '', 'a clean working tree has no diff');
  writeFiles(dir, { 'data/a.csv': 'id,v\n1,a\n2,b\n', 'untracked.csv': 'u\n' });
  fs.rmSync(path.join(dir, 'notes.txt'));
  // Untracked files are not part of the diff; deleted and modified tracked files are.
  assert.equal(dvOk(dir, ['diff']), 'M  data/a.csv  (9 B -> 13 B)\nD  notes.txt  (2 B)\n');
  assert.equal(dvOk(dir, ['diff', 'HEAD']), dvOk(dir, ['diff']));
  assert.equal(dvOk(`${dir}/data`, ['diff', '--', 'a.csv']), 'M  data/a.csv  (9 B -> 13 B)\n');
  assert.match(dvOk(dir, ['diff', '--stat']), / 2 files changed, 1 deleted, 1 modified; \+4 B, -2 B\n$/);
  dvOk(dir, ['add', 'data', 'untracked.csv']);
  dvOk(dir, ['rm', 'notes.txt']);
  dvOk(dir, ['commit', '-m', 'second']);
  assert.equal(dvOk(dir, ['diff']), '');
  assert.equal(dvOk(dir, ['diff', 'HEAD~1']), 'M  data/a.csv  (9 B -> 13 B)\nD  notes.txt  (2 B)\nA  untracked.csv  (2 B)\n');
  assert.equal(dvOk(dir, ['diff', 'HEAD~1', 'HEAD']), dvOk(dir, ['diff', 'HEAD~1']));
  const wt = JSON.parse(dvOk(dir, ['diff', 'HEAD~1', '--json']));
  assert.deepEqual(wt.to, { worktree: true });
  // show and log see the same commits.
  assert.match(dvOk(dir, ['show']), /\n {4}second\n\nM {2}data\/a\.csv {2}\(9 B -> 13 B\)\nD {2}notes\.txt {2}\(2 B\)\nA {2}untracked\.csv {2}\(2 B\)\n 3 files changed/);
  assert.deepEqual(dvOk(dir, ['log', '--oneline']).trimEnd().split('\n').map((l) => l.slice(13)), ['second', 'first']);
  assert.deepEqual(dvOk(dir, ['log', '--oneline', '--', 'notes.txt']).trimEnd().split('\n').map((l) => l.slice(13)), ['second', 'first']);
  assert.equal(dvOk(dir, ['cat', 'HEAD~1:data/a.csv']), 'id,v\n1,a\n');
});

test('diff in a repository without commits compares the empty tree with the working tree', () => {
  const dir = makeRepo({ 'a.csv': 'x\n' });
  assert.equal(dvOk(dir, ['diff']), '');
  dvOk(dir, ['add', 'a.csv']);
  assert.equal(dvOk(dir, ['diff']), 'A  a.csv  (2 B)\n');
  expectFailure(dv(dir, ['diff', 'HEAD']), 1, "unknown revision 'HEAD': HEAD points at refs/heads/main, which has no commits yet");
});
