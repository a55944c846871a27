// The native status scan (native/status_scan.c against the index's stat table) must
// report exactly what the JavaScript scan reports, in every shape a working tree can
// take; and the table must never be trusted once the index moved on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { nativeAddon } from '../../src/native/index.js';
import { nativeSuspects } from '../../src/worktree/native-suspects.js';
import { openRepository } from '../../src/repo/index.js';
import { currentStamp, currentVersion, decodeIndexEntry, decodeStatTable, encodeStatTable, patchStatTable, putStatTable, readIndex, readStatTable, statTableUnder, statTableVersion, type IndexEntry } from '../../src/worktree/index.js';
import type { Oid } from '../../src/hash/index.js';
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
    return readStatTable(repo, currentVersion(repo), currentStamp(repo)) !== undefined;
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

/** A committed repository of FILES (and a symlink), aged so no entry is racily clean, with its stat table current. */
async function baseRepo(): Promise<string> {
  const dir = makeRepo(FILES);
  fs.symlinkSync('a.csv', path.join(dir, 'data/link'));
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['add', '--force', 'forced.tmp', 'scratch/kept.csv']);
  ageFiles(dir);
  dvOk(dir, ['add', '.']); // the aged stat data into the index
  dvOk(dir, ['commit', '-m', 'base']);
  assert.ok(await tableIsCurrent(dir), 'commit stores the stat table');
  const repo = openRepository(dir);
  try {
    assert.ok(nativeSuspects(repo), 'the native scan serves (it takes the stored table as it reads)');
  } finally {
    await repo.close();
  }
  return dir;
}

/** Every kind of change at once. */
function applyEveryChange(dir: string): void {
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

}

test('the native scan and the JavaScript scan give the same status, in every shape of change', async () => {
  const dir = await baseRepo();
  const clean = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.deepEqual([clean.unstaged, clean.untracked], [{ modified: [], deleted: [] }, []]);
  applyEveryChange(dir);
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

test('add stages the same with and without the native scan, for a directory and for the whole tree', async () => {
  const staged: Record<string, unknown> = {};
  for (const [mode, env] of [['native', {}], ['js', { DV_NATIVE: '0' }]] as const) {
    const dir = await baseRepo();
    applyEveryChange(dir);
    assert.ok(await tableIsCurrent(dir));
    const one = JSON.parse(dvOk(dir, ['add', '--json', 'data'], { env }));
    const all = JSON.parse(dvOk(dir, ['add', '--json', '.'], { env }));
    // Staged and unstaged changes at once: status compares the index with HEAD and with the tree.
    assert.ok(await tableIsCurrent(dir), 'add carried the table along');
    fs.writeFileSync(path.join(dir, 'data/b.csv'), 'b, after the add\n');
    fs.writeFileSync(path.join(dir, 'late.csv'), 'untracked\n');
    fs.rmSync(path.join(dir, 'top.csv'));
    const { head: _commit, ...status } = JSON.parse(dvOk(dir, ['status', '--json'], { env })); // the commit's id holds its time
    staged[mode] = { one, all, status, tree: (await tableAndIndex(dir)).index };
  }
  const { one, all } = staged.native as { one: { added: string[]; modified: string[]; removed: string[] }; all: { added: string[]; removed: string[] } };
  assert.deepEqual([one.added, one.modified, one.removed], [
    ['data/becomes-dir/inside.csv', 'data/new.csv', 'data/sub/newdir/n1.csv', 'data/sub/newdir/nested/n2.csv'],
    ['data/a.csv', 'data/link', 'data/run.sh', 'data/same-size.csv'],
    ['data/becomes-dir', 'data/gone.csv'],
  ]);
  assert.deepEqual([all.added, all.removed], [
    ['elsewhere/inner.csv', 'linked', 'naïve/ñew.csv', 'swap'],
    ['linked/inner.csv', 'swap/inner.csv', 'vanish/one.csv', 'vanish/two/three.csv'],
  ]);
  const { status } = staged.native as { status: { staged: unknown; unstaged: unknown; untracked: unknown } };
  assert.deepEqual([status.unstaged, status.untracked], [{ modified: ['data/b.csv'], deleted: ['top.csv'] }, ['late.csv']]);
  assert.deepEqual((status.staged as { deleted: string[] }).deleted, ['data/becomes-dir', 'data/gone.csv', 'linked/inner.csv', 'swap/inner.csv', 'vanish/one.csv', 'vanish/two/three.csv']);
  const ids = (m: unknown) => [...(m as { tree: Map<string, IndexEntry> }).tree].map(([p, e]) => `${p} ${e.kind} ${e.id}`);
  assert.deepEqual(ids(staged.native), ids(staged.js));
  const rest = (m: unknown) => { const { one: o, all: a, status: st } = m as { one: unknown; all: unknown; status: unknown }; return { o, a, st }; };
  assert.deepEqual(rest(staged.native), rest(staged.js));
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

/** The stat table's entries and the index's own entries, read apart (as the table would mislead if it drifted). */
async function tableAndIndex(dir: string): Promise<{ table: Map<RepoPath, IndexEntry> | undefined; index: Map<RepoPath, IndexEntry> }> {
  const repo = openRepository(dir);
  try {
    const bytes = readStatTable(repo, currentVersion(repo), currentStamp(repo));
    const table = bytes && decodeStatTable(bytes); // before the next read reuses its buffer
    const index = new Map<RepoPath, IndexEntry>();
    for (const { key, value } of repo.env.index.getRange({})) index.set(key as RepoPath, decodeIndexEntry(value, key));
    return { table, index };
  } finally {
    await repo.close();
  }
}

test('the stat table follows every index write entry for entry, and a bad one is not trusted', async () => {
  const dir = makeRepo({ 'a.csv': 'a\n', 'b.csv': 'b\n', 'sub/c.csv': 'c\n' });
  dvOk(dir, ['add', '.']);
  ageFiles(dir);
  dvOk(dir, ['add', '.']); // the aged stat data into the index
  assert.equal(await tableIsCurrent(dir), false, 'no table to carry yet');
  dvOk(dir, ['status']);
  assert.ok(await tableIsCurrent(dir), 'status stored the table for next time');
  const same = async (what: string) => {
    const { table, index } = await tableAndIndex(dir);
    assert.ok(table, `${what}: the table is current`);
    assert.deepEqual([...table], [...index], `${what}: the table holds exactly the index, in its order`);
  };
  await same('status');
  // What a process killed while writing the table left behind goes with the next write.
  const dead = path.join(dir, '.dv', `index-stat.${spawnSync('true').pid}.tmp`);
  fs.writeFileSync(dead, 'half a table');
  fs.writeFileSync(path.join(dir, 'a.csv'), 'a, changed\n');
  fs.writeFileSync(path.join(dir, 'sub/d.csv'), 'd\n');
  dvOk(dir, ['add', '.']);
  await same('add');
  assert.equal(fs.existsSync(dead), false);
  dvOk(dir, ['rm', '--cached', 'b.csv']);
  await same('rm --cached');
  assert.equal((await tableAndIndex(dir)).table!.has('b.csv' as RepoPath), false);
  // b.csv is untracked now, whatever an older table said.
  assert.deepEqual(JSON.parse(dvOk(dir, ['status', '--json'])).untracked, ['b.csv']);
  dvOk(dir, ['commit', '-m', 'without b']);
  await same('commit');
  ageFiles(dir);
  dvOk(dir, ['status']); // new mtimes, same content: the entries are refreshed
  await same('refresh');
  dvOk(dir, ['checkout', '-b', 'side']);
  await same('checkout');

  // A damaged table file (one bit of an id flipped; cut short): it is not trusted, and
  // status and commit read the index itself.
  const file = path.join(dir, '.dv', 'index-stat');
  const good = fs.readFileSync(file);
  const flipped = Buffer.from(good);
  const inId = 16 + 2 + 'a.csv'.length + 1 + 5; // in the first entry's id
  flipped[inId] = flipped[inId]! ^ 1;
  for (const bad of [flipped, good.subarray(0, good.length - 3)]) {
    fs.writeFileSync(file, bad);
    assert.equal(await tableIsCurrent(dir), false);
  }
  fs.writeFileSync(file, flipped);
  fs.writeFileSync(path.join(dir, 'a.csv'), 'changed\n');
  const s = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.deepEqual([s.unstaged.modified, s.untracked], [['a.csv'], ['b.csv']]);
  dvOk(dir, ['add', 'a.csv']);
  dvOk(dir, ['commit', '-m', 'a again']);
  const listed = JSON.parse(dvOk(dir, ['ls', '-r', '--json'])) as Array<{ path: string; id: string }>;
  assert.deepEqual(listed.map((e) => e.path), ['a.csv', 'sub/c.csv', 'sub/d.csv']);
  await same('commit after a damaged table');
  dvOk(dir, ['fsck']);

  // A table of the same version written at another moment (say from a copy of .dv) is not this index's.
  const repo = openRepository(dir);
  try {
    const version = currentVersion(repo);
    const stamp = currentStamp(repo);
    const table = readStatTable(repo, version, stamp)!;
    putStatTable(repo, Buffer.from(table), [stamp[0], stamp[1] + 1]);
    assert.equal(readStatTable(repo, version, stamp), undefined);
  } finally {
    await repo.close();
  }
});

test('a stat table is patched, not rebuilt, and only a well-formed one is decoded', () => {
  const entry = (n: number): IndexEntry => ({ id: n.toString(16).padStart(64, '0') as Oid, kind: n % 2 ? 'file' : 'exec', size: n, mtime: [n, 7], ctime: [n + 1, 9], ino: n + 2, dev: 3 });
  const all = new Map<RepoPath, IndexEntry>([['a', entry(1)], ['dir/b', entry(2)], ['dir/ü', entry(3)], ['z', entry(4)]] as Array<[RepoPath, IndexEntry]>);
  const table = encodeStatTable(all, 5);
  assert.deepEqual(decodeStatTable(table), all);
  const put = new Map<RepoPath, IndexEntry>([['dir/b' as RepoPath, entry(20)], ['new' as RepoPath, entry(21)]]);
  const patched = patchStatTable(table, put, new Set(['z' as RepoPath, 'absent' as RepoPath]), 6)!;
  assert.equal(statTableVersion(patched), 6);
  assert.deepEqual(decodeStatTable(patched), new Map([['a', entry(1)], ['dir/ü', entry(3)], ['dir/b', entry(20)], ['new', entry(21)]]));
  assert.deepEqual([...decodeStatTable(patched)!.keys()], ['a', 'dir/b', 'dir/ü', 'new'], 'in path order, as the index is read');
  const first = patchStatTable(table, new Map([['0' as RepoPath, entry(5)], ['zz' as RepoPath, entry(6)]]), new Set(['a' as RepoPath]), 7)!;
  assert.deepEqual([...decodeStatTable(first)!.keys()], ['0', 'dir/b', 'dir/ü', 'z', 'zz']);
  const unreadable = [table.subarray(0, table.length - 1), Buffer.concat([table, Buffer.from([0])]), Buffer.from('DVST' + '\0'.repeat(12))];
  for (const bad of unreadable) {
    assert.equal(decodeStatTable(bad), undefined);
    assert.equal(patchStatTable(bad, put, new Set(), 6), undefined);
  }
  // The part under a directory: one run of the table's bytes, or the table itself.
  const under = (t: Buffer, dir: string) => { const part = statTableUnder(t, dir as RepoPath); return part && [...decodeStatTable(part)!.keys()]; };
  assert.deepEqual(under(table, 'dir'), ['dir/b', 'dir/ü']);
  assert.equal(statTableUnder(encodeStatTable([['dir/b' as RepoPath, entry(2)], ['dir/c' as RepoPath, entry(3)]], 5), 'dir' as RepoPath)?.length, encodeStatTable([['dir/b' as RepoPath, entry(2)], ['dir/c' as RepoPath, entry(3)]], 5).length);
  assert.equal(under(table, 'di'), undefined);
  assert.equal(under(table, 'nothing'), undefined);
  const odd = encodeStatTable([['dir' as RepoPath, entry(1)], ['dir-x' as RepoPath, entry(2)], ['dir/y' as RepoPath, entry(3)]], 5);
  assert.equal(under(odd, 'dir'), undefined, 'not one run: left to the index');
  // A path twice is refused when read (here and by the native scan), wherever it came from.
  assert.equal(decodeStatTable(encodeStatTable([...all, ...all], 5)), undefined);
});
