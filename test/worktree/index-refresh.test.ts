// A status rewrites the stat data of entries it found unchanged; that write must never
// undo what another process staged or unstaged between the status's read and its write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openRepository } from '../../src/repo/index.js';
import { readIndex, refreshIndexEntries } from '../../src/worktree/index.js';
import type { RepoPath } from '../../src/util/index.js';
import { dvOk, makeRepo } from '../helpers.js';

/** A repository with three staged files, all with mtimes safely in the past, and the index as read then. */
function setup(): { dir: string; read: ReturnType<typeof readIndex>; stored: () => ReturnType<typeof readIndex> } {
  const dir = makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' });
  const old = Math.floor(Date.now() / 1000) - 100;
  for (const f of ['a.txt', 'b.txt', 'c.txt']) fs.utimesSync(path.join(dir, f), old, old);
  dvOk(dir, ['add', '.']);
  const snapshot = () => {
    const repo = openRepository(dir);
    try { return readIndex(repo); } finally { void repo.close(); }
  };
  return { dir, read: snapshot(), stored: snapshot };
}

test('a refresh skips an entry unstaged or restaged since it was read, and rewrites the others', async () => {
  const { dir, read, stored } = setup();
  // Between the read and the refresh, another process unstages a.txt and restages b.txt with new content.
  dvOk(dir, ['rm', '--cached', 'a.txt']);
  fs.writeFileSync(path.join(dir, 'b.txt'), 'b, changed\n');
  dvOk(dir, ['add', 'b.txt']);
  const between = stored();

  const touched = (p: string) => ({ ...read.entries.get(p as RepoPath)!, mtime: [read.entries.get(p as RepoPath)!.mtime[0] + 1, 5] as [number, number] });
  const repo = openRepository(dir);
  try {
    refreshIndexEntries(repo, new Map(['a.txt', 'b.txt', 'c.txt'].map((p) => [p as RepoPath, touched(p)])));
  } finally {
    await repo.close();
  }
  const after = stored();
  assert.equal(after.entries.has('a.txt' as RepoPath), false, 'the unstaged file stays unstaged');
  assert.deepEqual(after.entries.get('b.txt' as RepoPath), between.entries.get('b.txt' as RepoPath), 'the restaged file keeps its new entry');
  assert.deepEqual(after.entries.get('c.txt' as RepoPath), touched('c.txt'), 'an untouched entry gets its new stat data');
  assert.equal(after.version, between.version + 1);
});

test('a refresh with nothing left to write does not write the index', async () => {
  const { dir, read, stored } = setup();
  dvOk(dir, ['rm', '--cached', 'a.txt']);
  const between = stored();
  const repo = openRepository(dir);
  try {
    refreshIndexEntries(repo, new Map([['a.txt' as RepoPath, read.entries.get('a.txt' as RepoPath)!]]));
  } finally {
    await repo.close();
  }
  assert.deepEqual(stored(), between);
});
