import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { dv, dvOk, makeRepo, tmpDir, writeFiles } from '../helpers.js';

/** HEAD id, status and index as JSON: equal before and after a refused command. */
function snapshot(dir: string): string {
  return JSON.stringify([dv(dir, ['rev-parse', 'HEAD']).stdout, dv(dir, ['status', '--json']).stdout]);
}

test('init creates a repository on branch main; a second init is refused', () => {
  const dir = tmpDir();
  assert.match(dvOk(dir, ['init']), /Initialized empty dv repository/);
  const s = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.equal(s.branch, 'main');
  assert.equal(s.head, null);
  const again = dv(dir, ['init']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^dv: a dv repository already exists/);
});

test('init --bare makes a repository without a working tree', () => {
  const dir = path.join(tmpDir(), 'hub.dv');
  const out = JSON.parse(dvOk(path.dirname(dir), ['init', '--bare', dir, '--json']));
  assert.equal(out.bare, true);
  const r = dv(dir, ['status']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bare/);
});

test('commands outside a repository fail with one line and a hint', () => {
  const r = dv(tmpDir(), ['status']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n')[0], 'dv: not inside a dv repository');
  assert.match(r.stderr, /hint: run `dv init`/);
});

test('unknown commands and missing arguments are usage errors (exit 2)', () => {
  const dir = makeRepo();
  assert.equal(dv(dir, ['frobnicate']).code, 2);
  assert.equal(dv(dir, ['commit']).code, 2);
  assert.equal(dv(dir, ['add']).code, 2);
});

test('add, status and commit: staged, modified, deleted and untracked files', () => {
  const dir = makeRepo({ 'data/a.csv': 'id,v\n1,2\n', 'data/b.csv': 'id,v\n3,4\n', 'notes.txt': 'x' });
  const added = JSON.parse(dvOk(dir, ['add', 'data', '--json']));
  assert.deepEqual(added.added.sort(), ['data/a.csv', 'data/b.csv']);
  let s = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.deepEqual(s.staged.added.sort(), ['data/a.csv', 'data/b.csv']);
  assert.deepEqual(s.untracked, ['notes.txt']);
  const id = dvOk(dir, ['commit', '-m', 'first']).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(dvOk(dir, ['rev-parse', 'HEAD']).trim(), id);

  fs.appendFileSync(path.join(dir, 'data/a.csv'), '5,6\n');
  fs.rmSync(path.join(dir, 'data/b.csv'));
  s = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.deepEqual(s.unstaged.modified, ['data/a.csv']);
  assert.deepEqual(s.unstaged.deleted, ['data/b.csv']);
  assert.match(dvOk(dir, ['status']), /modified: {3}data\/a\.csv/);

  const second = JSON.parse(dvOk(dir, ['add', 'data', '--json']));
  assert.deepEqual(second.modified, ['data/a.csv']);
  assert.deepEqual(second.removed, ['data/b.csv']);
  dvOk(dir, ['commit', '-m', 'second']);
  s = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.deepEqual([s.staged, s.unstaged], [{ added: [], modified: [], deleted: [] }, { modified: [], deleted: [] }]);
});

test('commit with nothing staged exits 1 and changes nothing', () => {
  const dir = makeRepo({ 'a.txt': 'a' });
  const empty = dv(dir, ['commit', '-m', 'nothing']);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /^dv: nothing to commit/);
  dvOk(dir, ['add', 'a.txt']);
  dvOk(dir, ['commit', '-m', 'one']);
  const before = snapshot(dir);
  const r = dv(dir, ['commit', '-m', 'again']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nothing to commit/);
  assert.equal(snapshot(dir), before);
});

test('DV_DATE and identity make commit ids reproducible', () => {
  const env = { DV_DATE: '2026-01-02T03:04:05Z' };
  const ids = [0, 1].map(() => {
    const dir = makeRepo({ 'x.csv': 'a,b\n1,2\n' });
    dvOk(dir, ['add', '.']);
    return dvOk(dir, ['commit', '-m', 'same'], { env }).trim();
  });
  assert.equal(ids[0], ids[1]);
});

test('add refuses paths outside the repository and missing paths, leaving it unchanged', () => {
  const dir = makeRepo({ 'a.txt': 'a' });
  dvOk(dir, ['add', 'a.txt']);
  dvOk(dir, ['commit', '-m', 'one']);
  const before = snapshot(dir);
  const outside = dv(dir, ['add', '../elsewhere.txt']);
  assert.equal(outside.code, 1);
  assert.match(outside.stderr, /^dv: path is outside the repository/);
  const missing = dv(dir, ['add', 'nope.csv']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^dv: pathspec 'nope.csv' did not match any files\nhint: `dv status` lists changed and untracked files/);
  const notTracked = dv(dir, ['rm', 'nope.csv']);
  assert.equal(notTracked.code, 1);
  assert.match(notTracked.stderr, /^dv: pathspec 'nope.csv' did not match any tracked file\nhint: `dv ls -r HEAD` lists committed files/);
  assert.equal(snapshot(dir), before);
});

test('a symlink to a directory outside is stored as a link, never followed', () => {
  const outside = tmpDir();
  writeFiles(outside, { 'secret.txt': 'do not read' });
  const dir = makeRepo({ 'a.txt': 'a' });
  fs.symlinkSync(outside, path.join(dir, 'escape'));
  const through = dv(dir, ['add', 'escape/secret.txt']);
  assert.equal(through.code, 1);
  assert.match(through.stderr, /outside the repository/);
  const res = JSON.parse(dvOk(dir, ['add', '.', '--json']));
  assert.deepEqual(res.added.sort(), ['a.txt', 'escape']);
  dvOk(dir, ['commit', '-m', 'link']);
  const ls = dvOk(dir, ['cat', 'HEAD:escape']);
  assert.equal(ls, outside);
});

test('.dvignore excludes paths; an ignored file needs --force', () => {
  const dir = makeRepo({ '.dvignore': '*.tmp\ncache/\n', 'a.csv': '1', 'b.tmp': '2', 'cache/c.csv': '3' });
  const res = JSON.parse(dvOk(dir, ['add', '.', '--json']));
  assert.deepEqual(res.added.sort(), ['.dvignore', 'a.csv']);
  const r = dv(dir, ['add', 'b.tmp']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ignored by \.dvignore/);
  assert.match(r.stderr, /hint: .*--force/);
  assert.deepEqual(JSON.parse(dvOk(dir, ['add', '--force', 'b.tmp', '--json'])).added, ['b.tmp']);
});

test('a file added with --force stays tracked: status compares it, add . keeps it, add stages its changes', () => {
  const dir = makeRepo({ '.dvignore': '*.tmp\ncache/\n', 'a.csv': '1', 'b.tmp': '2', 'cache/c.csv': '3', 'cache/d.csv': '4' });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['add', '--force', 'b.tmp', 'cache/c.csv']);
  dvOk(dir, ['commit', '-m', 'with ignored files']);
  const clean = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.deepEqual([clean.unstaged, clean.untracked], [{ modified: [], deleted: [] }, []]);
  fs.writeFileSync(path.join(dir, 'b.tmp'), 'changed');
  fs.writeFileSync(path.join(dir, 'cache/c.csv'), 'changed too');
  const s = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.deepEqual([s.unstaged.modified, s.unstaged.deleted, s.untracked], [['b.tmp', 'cache/c.csv'], [], []]);
  // add . stages the tracked ones and leaves the untracked ignored file (cache/d.csv) out
  const added = JSON.parse(dvOk(dir, ['add', '.', '--json']));
  assert.deepEqual([added.modified.sort(), added.added, added.removed], [['b.tmp', 'cache/c.csv'], [], []]);
  fs.writeFileSync(path.join(dir, 'b.tmp'), 'again');
  dvOk(dir, ['add', 'b.tmp']); // tracked, so no --force needed
  dvOk(dir, ['commit', '-m', 'changes']);
  const ls = dvOk(dir, ['ls', '-r']).trimEnd().split('\n').map((l) => l.split('\t')[1]);
  assert.deepEqual(ls, ['.dvignore', 'a.csv', 'b.tmp', 'cache/c.csv']);
  fs.rmSync(path.join(dir, 'b.tmp'));
  assert.deepEqual(JSON.parse(dvOk(dir, ['status', '--json'])).unstaged.deleted, ['b.tmp']);
});

test('status notices a same-size rewrite made right after add (racy timestamps)', () => {
  const dir = makeRepo({ 'r.csv': 'aaaa' });
  dvOk(dir, ['add', 'r.csv']);
  fs.writeFileSync(path.join(dir, 'r.csv'), 'bbbb');
  const s = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.deepEqual(s.unstaged.modified, ['r.csv']);
});

test('executable bits and empty files round-trip through commit and checkout', () => {
  const dir = makeRepo({ 'run.sh': '#!/bin/sh\necho hi\n', 'empty.csv': '' });
  fs.chmodSync(path.join(dir, 'run.sh'), 0o755);
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'files']);
  const out = path.join(tmpDir(), 'out');
  dvOk(dir, ['export', 'HEAD', out]);
  assert.ok((fs.statSync(path.join(out, 'run.sh')).mode & 0o111) !== 0);
  assert.equal(fs.readFileSync(path.join(out, 'empty.csv'), 'utf8'), '');
});

test('checkout moves between commits and branches and refuses to overwrite local changes', () => {
  const dir = makeRepo({ 'data/a.csv': 'v1\n', 'data/old.csv': 'gone later\n' });
  dvOk(dir, ['add', 'data']);
  const c1 = dvOk(dir, ['commit', '-m', 'v1']).trim();
  fs.writeFileSync(path.join(dir, 'data/a.csv'), 'v2\n');
  fs.rmSync(path.join(dir, 'data/old.csv'));
  writeFiles(dir, { 'data/new.csv': 'new\n' });
  dvOk(dir, ['add', 'data']);
  const c2 = dvOk(dir, ['commit', '-m', 'v2']).trim();

  dvOk(dir, ['checkout', c1.slice(0, 8)]);
  assert.equal(fs.readFileSync(path.join(dir, 'data/a.csv'), 'utf8'), 'v1\n');
  assert.ok(fs.existsSync(path.join(dir, 'data/old.csv')));
  assert.ok(!fs.existsSync(path.join(dir, 'data/new.csv')));
  let s = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.equal(s.branch, null);
  assert.equal(s.head, c1);
  assert.equal(s.unstaged.modified.length + s.staged.added.length, 0);

  dvOk(dir, ['checkout', 'main']);
  assert.equal(fs.readFileSync(path.join(dir, 'data/a.csv'), 'utf8'), 'v2\n');
  s = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.equal(s.branch, 'main');
  assert.equal(s.head, c2);

  fs.writeFileSync(path.join(dir, 'data/a.csv'), 'local edit\n');
  const before = snapshot(dir);
  const refused = dv(dir, ['checkout', c1]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^dv: checkout would overwrite local changes: data\/a\.csv/);
  assert.match(refused.stderr, /hint: .*--force/);
  assert.equal(fs.readFileSync(path.join(dir, 'data/a.csv'), 'utf8'), 'local edit\n');
  assert.equal(snapshot(dir), before);

  dvOk(dir, ['checkout', '--force', c1]);
  assert.equal(fs.readFileSync(path.join(dir, 'data/a.csv'), 'utf8'), 'v1\n');
});

test('checkout carries local changes to files the switch does not touch', () => {
  const dir = makeRepo({ 'a.csv': '1\n', 'b.csv': '1\n' });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'one']);
  fs.writeFileSync(path.join(dir, 'b.csv'), '2\n');
  dvOk(dir, ['add', 'b.csv']);
  dvOk(dir, ['commit', '-m', 'two']);
  fs.writeFileSync(path.join(dir, 'a.csv'), 'local\n');
  dvOk(dir, ['checkout', 'HEAD~1']);
  assert.equal(fs.readFileSync(path.join(dir, 'a.csv'), 'utf8'), 'local\n');
  assert.equal(fs.readFileSync(path.join(dir, 'b.csv'), 'utf8'), '1\n');
});

test('checkout refuses to overwrite an untracked file', () => {
  const dir = makeRepo({ 'a.csv': '1\n' });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'one']);
  dvOk(dir, ['checkout', '-b', 'side']);
  writeFiles(dir, { 'b.csv': 'tracked on side\n' });
  dvOk(dir, ['add', 'b.csv']);
  dvOk(dir, ['commit', '-m', 'side']);
  dvOk(dir, ['checkout', 'main']);
  assert.ok(!fs.existsSync(path.join(dir, 'b.csv')));
  writeFiles(dir, { 'b.csv': 'my own untracked file\n' });
  const r = dv(dir, ['checkout', 'side']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /b\.csv is untracked and would be overwritten/);
  assert.equal(fs.readFileSync(path.join(dir, 'b.csv'), 'utf8'), 'my own untracked file\n');
});

test('checkout -b creates a branch; an existing name or a bad revision is refused', () => {
  const dir = makeRepo({ 'a.csv': '1\n' });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'one']);
  dvOk(dir, ['checkout', '-b', 'fix']);
  assert.equal(JSON.parse(dvOk(dir, ['status', '--json'])).branch, 'fix');
  const dup = dv(dir, ['checkout', '-b', 'fix']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /branch 'fix' already exists/);
  const bad = dv(dir, ['checkout', '-b', 'bad..name']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid branch name/);
  const unknown = dv(dir, ['checkout', 'no-such-rev']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^dv: unknown revision/);
});

test('checkout REV -- PATH restores one path and leaves HEAD alone', () => {
  const dir = makeRepo({ 'd/a.csv': 'v1\n', 'd/b.csv': 'b1\n' });
  dvOk(dir, ['add', 'd']);
  dvOk(dir, ['commit', '-m', 'v1']);
  writeFiles(dir, { 'd/a.csv': 'v2\n', 'd/b.csv': 'b2\n' });
  dvOk(dir, ['add', 'd']);
  const head = dvOk(dir, ['commit', '-m', 'v2']).trim();
  dvOk(dir, ['checkout', 'HEAD~1', '--', 'd/a.csv']);
  assert.equal(fs.readFileSync(path.join(dir, 'd/a.csv'), 'utf8'), 'v1\n');
  assert.equal(fs.readFileSync(path.join(dir, 'd/b.csv'), 'utf8'), 'b2\n');
  const s = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.equal(s.head, head);
  assert.deepEqual(s.staged.modified, ['d/a.csv']);
  const missing = dv(dir, ['checkout', 'HEAD~1', '--', 'd/zzz.csv']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /path 'd\/zzz\.csv' does not exist/);
});

test('rm deletes tracked files; --cached keeps them; unstaged changes need --force', () => {
  const dir = makeRepo({ 'a.csv': '1\n', 'b.csv': '2\n', 'c.csv': '3\n' });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'one']);
  dvOk(dir, ['rm', 'a.csv']);
  assert.ok(!fs.existsSync(path.join(dir, 'a.csv')));
  dvOk(dir, ['rm', '--cached', 'b.csv']);
  assert.ok(fs.existsSync(path.join(dir, 'b.csv')));
  const s = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.deepEqual(s.staged.deleted.sort(), ['a.csv', 'b.csv']);
  assert.deepEqual(s.untracked, ['b.csv']);
  fs.writeFileSync(path.join(dir, 'c.csv'), 'changed\n');
  const r = dv(dir, ['rm', 'c.csv']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /c\.csv has changes that are not staged/);
  assert.ok(fs.existsSync(path.join(dir, 'c.csv')));
  const none = dv(dir, ['rm', 'nothing.csv']);
  assert.equal(none.code, 1);
});

test('export refuses a non-empty destination', () => {
  const dir = makeRepo({ 'a.csv': '1\n' });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'one']);
  const dest = tmpDir();
  writeFiles(dest, { 'keep.txt': 'mine' });
  const r = dv(dir, ['export', 'HEAD', dest]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not empty/);
});
