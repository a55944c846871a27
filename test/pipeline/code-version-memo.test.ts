import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { readCodeVersion } from '../../src/provenance/index.js';
import { tmpDir, writeFiles } from '../helpers.js';
import { git } from './fixture.js';

/** Sets every file's mtime in `dir` (and `.git`) `secs` seconds back, as if edited long before. */
function age(dir: string, secs = 60): void {
  const when = new Date(Date.now() - secs * 1000);
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) fs.utimesSync(path.join(entry.parentPath, entry.name), when, when);
  }
}

function codeRepo(): { dir: string; memo: string } {
  const dir = tmpDir('dv-codever-');
  git(dir, ['init', '-q', '-b', 'main']);
  writeFiles(dir, { 'train.js': 'console.log(1)\n', 'dv.yaml': 'stages: {}\n', '.gitignore': 'memo/\n' });
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'code']);
  age(dir);
  return { dir, memo: path.join(dir, 'memo', 'code-version.json') };
}

/** Marks the memoised version, so a result carrying the mark is known to come from the memo. */
function markMemo(memo: string): void {
  const m = JSON.parse(fs.readFileSync(memo, 'utf8'));
  m.version.branch = 'from-the-memo';
  fs.writeFileSync(memo, JSON.stringify(m));
}

test('a code version is memoised and reused while HEAD, the index and the tracked files stat the same', async () => {
  const { dir, memo } = codeRepo();
  const first = await readCodeVersion(dir, { memoFile: memo });
  assert.equal(first?.dirty, false);
  assert.equal(first?.branch, 'main');
  assert.ok(fs.existsSync(memo), 'the memo is written');
  markMemo(memo);
  assert.equal((await readCodeVersion(dir, { memoFile: memo }))?.branch, 'from-the-memo');
  // Another exclude list is another question: read afresh.
  assert.equal((await readCodeVersion(dir, { memoFile: memo, exclude: ['dv.yaml'] }))?.branch, 'main');
});

test('an edit of a tracked file, even one that keeps size and mtime, is seen through the memo', async () => {
  const { dir, memo } = codeRepo();
  await readCodeVersion(dir, { memoFile: memo });
  markMemo(memo);
  const file = path.join(dir, 'train.js');
  const { mtime } = fs.statSync(file);
  fs.writeFileSync(file, 'console.log(2)\n'); // same length
  fs.utimesSync(file, mtime, mtime); // and the old mtime: only the ctime tells
  const v = await readCodeVersion(dir, { memoFile: memo });
  assert.equal(v?.branch, 'main');
  assert.equal(v?.dirty, true);
  assert.deepEqual(v?.dirtyFiles, ['train.js']);
});

test('a new commit, a staged file and a checkout of another branch each invalidate the memo', async () => {
  const { dir, memo } = codeRepo();
  const first = await readCodeVersion(dir, { memoFile: memo });
  markMemo(memo);
  writeFiles(dir, { 'features.js': 'export {}\n' });
  git(dir, ['add', 'features.js']);
  const staged = await readCodeVersion(dir, { memoFile: memo });
  assert.equal(staged?.branch, 'main');
  assert.deepEqual(staged?.dirtyFiles, ['features.js']);
  git(dir, ['commit', '-q', '-m', 'features']);
  age(dir);
  const committed = await readCodeVersion(dir, { memoFile: memo });
  assert.notEqual(committed?.commit, first?.commit);
  assert.equal(committed?.dirty, false);
  markMemo(memo);
  git(dir, ['checkout', '-q', '-b', 'other']);
  assert.equal((await readCodeVersion(dir, { memoFile: memo }))?.branch, 'other');
});

test('a read right after an edit is not memoised (the edit could share its clock tick)', async () => {
  const { dir, memo } = codeRepo();
  writeFiles(dir, { 'train.js': 'console.log(3)\n' });
  const v = await readCodeVersion(dir, { memoFile: memo });
  assert.equal(v?.dirty, true);
  assert.equal(fs.existsSync(memo), false);
});

test('a damaged memo is read afresh', async () => {
  const { dir, memo } = codeRepo();
  fs.mkdirSync(path.dirname(memo), { recursive: true });
  fs.writeFileSync(memo, '{"format":1,"dir":');
  assert.equal((await readCodeVersion(dir, { memoFile: memo }))?.branch, 'main');
  assert.equal(JSON.parse(fs.readFileSync(memo, 'utf8')).version.branch, 'main');
});
