// The native status scan (native/status_scan.c against the index's stat table) must
// report exactly what the JavaScript scan reports, in every shape a working tree can
// take; and the table must never be trusted once the index moved on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { nativeAddon } from '../../src/native/index.js';
import { openRepository } from '../../src/repo/index.js';
import { currentStamp, currentVersion, encodeStatTable, readIndex, readStatTable } from '../../src/worktree/index.js';
import type { RepoPath } from '../../src/util/index.js';
import { dvOk, makeRepo } from '../helpers.js';

const addon = nativeAddon()!;
const old = Math.floor(Date.now() / 1000) - 1000;

/** Sets every file's and symlink's mtime well before now, so no entry is racily clean. */
function ageFiles(dir: string): void {
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.dv') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else fs.lutimesSync(p, old, old); // files and symlinks
    }
  };
  walk(dir);
}

/** Whether the stored stat table is the current index's (so status takes the native scan). */
async function tableIsCurrent(dir: string): Promise<boolean> {
  const repo = openRepository(dir);
  try {
    return readStatTable(repo, currentVersion(repo)) !== undefined;
  } finally {
    await repo.close();
  }
}

const FILES = {
  '.dvignore': '*.tmp\nscratch/\n',
  'top.csv': 'top\n',
  'data/a.csv': 'a\n', 'data/b.csv': 'b\n', 'data/same-size.csv': 'aaaa\n', 'data/touched.csv': 't\n',
  'data/gone.csv': 'g\n', 'data/becomes-dir': 'f\n', 'data/run.sh': '#!/bin/sh\n',
  'data/sub/deep/x.csv': 'x\n', 'data/sub/deep/y.csv': 'y\n',
  'vanish/one.csv': '1\n', 'vanish/two/three.csv': '3\n',
  'swap/inner.csv': 'i\n', 'linked/inner.csv': 'l\n',
  'naïve/ünï.csv': 'u\n', 'forced.tmp': 'forced\n', 'scratch/kept.csv': 'kept\n',
};

test('the native scan and the JavaScript scan give the same status, in every shape of change', async () => {
  const dir = makeRepo(FILES);
  fs.symlinkSync('a.csv', path.join(dir, 'data/link'));
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['add', '--force', 'forced.tmp', 'scratch/kept.csv']);
  ageFiles(dir);
  dvOk(dir, ['add', '.']); // the aged stat data into the index
  dvOk(dir, ['commit', '-m', 'base']);
  assert.ok(await tableIsCurrent(dir), 'commit stores the stat table');
  const clean = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.deepEqual([clean.unstaged, clean.untracked], [{ modified: [], deleted: [] }, []]);

  // Every kind of change at once.
  const w = (p: string, s: string) => { fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true }); fs.writeFileSync(path.join(dir, p), s); };
  w('data/a.csv', 'a changed\n');
  w('data/same-size.csv', 'bbbb\n');
  fs.utimesSync(path.join(dir, 'data/same-size.csv'), old, old); // same size and mtime: ctime still moved
  fs.utimesSync(path.join(dir, 'data/touched.csv'), old + 5, old + 5); // new mtime, same content
  fs.rmSync(path.join(dir, 'data/gone.csv'));
  fs.rmSync(path.join(dir, 'data/becomes-dir'));
  w('data/becomes-dir/inside.csv', 'now a directory\n');
  fs.chmodSync(path.join(dir, 'data/run.sh'), 0o755);
  fs.rmSync(path.join(dir, 'vanish'), { recursive: true });
  fs.rmSync(path.join(dir, 'swap'), { recursive: true });
  w('swap', 'a directory became a file\n');
  fs.rmSync(path.join(dir, 'linked'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'elsewhere'));
  w('elsewhere/inner.csv', 'l\n');
  fs.symlinkSync('elsewhere', path.join(dir, 'linked')); // a tracked directory became a symlink
  fs.rmSync(path.join(dir, 'data/link'));
  fs.symlinkSync('b.csv', path.join(dir, 'data/link'));
  w('forced.tmp', 'forced, changed\n');
  w('data/new.csv', 'new\n');
  w('data/sub/deep/new.tmp', 'ignored\n');
  w('data/sub/newdir/n1.csv', 'n1\n');
  w('data/sub/newdir/nested/n2.csv', 'n2\n');
  w('data/sub/newdir/skip.tmp', 'ignored\n');
  w('scratch/untracked.csv', 'ignored: scratch/ is, and this is not tracked\n');
  w('naïve/ñew.csv', 'accents\n');
  w('data/.git/HEAD', 'never scanned\n');

  assert.ok(await tableIsCurrent(dir), 'nothing wrote the index: status will take the native scan');
  const native = JSON.parse(dvOk(dir, ['status', '--json']));
  const js = JSON.parse(dvOk(dir, ['status', '--json'], { env: { DV_NATIVE: '0' } }));
  assert.deepEqual(native, js);
  assert.deepEqual(native.unstaged, {
    modified: ['data/a.csv', 'data/link', 'data/run.sh', 'data/same-size.csv', 'forced.tmp'],
    deleted: ['data/becomes-dir', 'data/gone.csv', 'linked/inner.csv', 'swap/inner.csv', 'vanish/one.csv', 'vanish/two/three.csv'],
  });
  assert.deepEqual(native.untracked, [
    'data/becomes-dir/inside.csv', 'data/new.csv', 'data/sub/newdir/n1.csv', 'data/sub/newdir/nested/n2.csv',
    'elsewhere/inner.csv', 'linked', 'naïve/ñew.csv', 'swap',
  ]);
});

test('the scan reports what lies outside the table in path order and never follows a symlinked directory', async () => {
  const dir = makeRepo({ 'a/x.csv': 'x\n', 'a/b/y.csv': 'y\n', 'a-b/z.csv': 'z\n' });
  dvOk(dir, ['add', '.']);
  ageFiles(dir);
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'base']);
  const repo = openRepository(dir);
  try {
    const snapshot = readIndex(repo);
    const table = encodeStatTable(snapshot.entries, snapshot.version);
    const stamp = currentStamp(repo)[0];
    assert.deepEqual(addon.scanChanges(dir, table, stamp), [[], [], ['.dv'], [true]]);
    // Racy against a stamp from the files' own second: every entry is a suspect.
    assert.deepEqual(addon.scanChanges(dir, table, old)[0].sort(), ['a-b/z.csv', 'a/b/y.csv', 'a/x.csv']);
    fs.rmSync(path.join(dir, 'a/b'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'outside'));
    fs.writeFileSync(path.join(dir, 'outside/y.csv'), 'y\n');
    fs.utimesSync(path.join(dir, 'outside/y.csv'), old, old);
    fs.symlinkSync('../outside', path.join(dir, 'a/b'));
    const [changed, present, untracked, isDir] = addon.scanChanges(dir, table, stamp);
    assert.deepEqual([changed, present], [['a/b/y.csv'], [false]], 'the file behind the symlink is not taken for the tracked one');
    assert.deepEqual(untracked.map((u, i) => `${u}:${isDir[i]}`).sort(), ['.dv:true', 'a/b:false', 'outside:true']);
    // A table that does not parse is refused, not guessed at.
    assert.throws(() => addon.scanChanges(dir, table.subarray(0, table.length - 1), stamp), /malformed/);
    const twice = encodeStatTable([...snapshot.entries, ...snapshot.entries], snapshot.version);
    assert.throws(() => addon.scanChanges(dir, twice, stamp), /malformed/);
    assert.throws(() => addon.scanChanges(path.join(dir, 'missing'), table, stamp), /cannot open the working tree/);
    // Paths that would lead the walk out of the tree are refused too.
    const entry = snapshot.entries.values().next().value!;
    for (const bad of ['../x.csv', 'a/../../x.csv', 'a//x.csv', './x.csv', '/x.csv', 'a/x.csv/']) {
      assert.throws(() => addon.scanChanges(dir, encodeStatTable([[bad as RepoPath, entry]], 1), stamp), /malformed/, bad);
    }
  } finally {
    await repo.close();
  }
});

test('a stat table is used only while it is the current index\'s; status rebuilds it, and a bad one is not trusted', async () => {
  const dir = makeRepo({ 'a.csv': 'a\n', 'b.csv': 'b\n' });
  dvOk(dir, ['add', '.']);
  ageFiles(dir);
  dvOk(dir, ['add', '.']);
  assert.equal(await tableIsCurrent(dir), false, 'add moved the index on');
  dvOk(dir, ['status']);
  assert.ok(await tableIsCurrent(dir), 'status stored the table for next time');
  dvOk(dir, ['rm', '--cached', 'b.csv']);
  assert.equal(await tableIsCurrent(dir), false);
  // b.csv is untracked now, whatever the old table said.
  assert.deepEqual(JSON.parse(dvOk(dir, ['status', '--json'])).untracked, ['b.csv']);
  dvOk(dir, ['commit', '-m', 'a only']);
  dvOk(dir, ['checkout', '-b', 'side']);
  assert.ok(await tableIsCurrent(dir));

  // A damaged table (same version, bytes cut short): status still answers right.
  const repo = openRepository(dir);
  try {
    const table = readStatTable(repo, currentVersion(repo))!;
    await repo.env.indexStat.put('table', table.subarray(0, table.length - 3));
  } finally {
    await repo.close();
  }
  fs.writeFileSync(path.join(dir, 'a.csv'), 'changed\n');
  const s = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.deepEqual([s.unstaged.modified, s.untracked], [['a.csv'], ['b.csv']]);
});
