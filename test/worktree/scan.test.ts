import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { scanWorktree, statPath } from '../../src/worktree/index.js';
import { loadIgnoreRules } from '../../src/worktree/ignore-rules.js';
import type { RepoPath } from '../../src/util/index.js';
import { makeRepo } from '../helpers.js';

test('a scan (native lstat per directory) gives what lstat of each path gives, in path order, ignoring what .dvignore ignores', () => {
  const dir = makeRepo({
    'data/b.csv': 'b\n', 'data/a.csv': 'a\n', 'data/deep/x/y.bin': 'y', 'data/skip.tmp': 't',
    'data/z/last.txt': 'z', 'top.txt': 'top', '.dvignore': '*.tmp\n',
  });
  fs.chmodSync(path.join(dir, 'data/a.csv'), 0o755);
  fs.symlinkSync('a.csv', path.join(dir, 'data/link'));
  fs.symlinkSync('deep', path.join(dir, 'data/dirlink'));
  const scanned = scanWorktree(dir, 'data' as RepoPath, loadIgnoreRules(dir));
  const expected = (['data/a.csv', 'data/b.csv', 'data/deep/x/y.bin', 'data/dirlink', 'data/link', 'data/z/last.txt'] as string[]).map((p) => p as RepoPath);
  assert.deepEqual([...scanned.keys()], expected);
  for (const p of expected) assert.deepEqual(scanned.get(p), statPath(path.join(dir, p)), p);
  assert.equal(scanned.get('data/a.csv' as RepoPath)!.kind, 'exec');
  assert.equal(scanned.get('data/dirlink' as RepoPath)!.kind, 'symlink');
  assert.deepEqual(scanWorktree(dir, 'nothing' as RepoPath, loadIgnoreRules(dir)).size, 0);
});
