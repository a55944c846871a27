// Repositories written by earlier dv versions (test/fixtures/old-formats, README.md there)
// open, upgrade themselves once, and then read and write like new ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { open } from 'lmdb';
import { decodeIndexEntry } from '../../src/store/index.js';
import { dv, dvAsync, dvOk, makeRepo, ROOT, storeSnapshot, tmpDir } from '../helpers.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'old-formats');
const UPGRADED = 'dv: upgraded this repository from format 1 to 2';

interface Manifest {
  commits: string[];
  v1: Record<string, string>;
  main: Record<string, string>;
  staged: Record<string, string>;
}

const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

function unpack(name: string): { dir: string; manifest: Manifest } {
  const dir = tmpDir('dv-old-');
  execFileSync('tar', ['-xzf', path.join(FIXTURES, `${name}.tar.gz`), '-C', dir]);
  return { dir, manifest: JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Manifest };
}

/** The files of a revision as `dv cat` gives them, by SHA-256. */
function revisionFiles(dir: string, rev: string): Record<string, string> {
  const entries = JSON.parse(dvOk(dir, ['ls', '-r', rev, '--json'])) as { path: string }[];
  const out: Record<string, string> = {};
  for (const e of entries) out[e.path] = sha(execFileSync(process.execPath, [path.join(ROOT, 'bin', 'dv'), 'cat', `${rev}:${e.path}`], { cwd: dir }));
  return out;
}

/** The working tree's files (outside .dv), by SHA-256. */
function worktreeFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const abs = path.join(e.parentPath, e.name);
    const rel = path.relative(dir, abs).split(path.sep).join('/');
    if (e.isFile() && !rel.startsWith('.dv/')) out[rel] = sha(fs.readFileSync(abs));
  }
  return out;
}

function statusOf(dir: string): { staged: Record<string, string[]>; unstaged: Record<string, string[]>; untracked: string[] } {
  return JSON.parse(dvOk(dir, ['status', '--json']));
}

const fixtures = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.tar.gz')).map((f) => f.slice(0, -'.tar.gz'.length)).sort();

test('the old-format fixtures are all here', () => {
  // Written before packs (inline records, msgpack index), before binary index entries
  // (packs and deltas), and before the stat table.
  assert.deepEqual(fixtures, ['dv-02b85dc', 'dv-175544c', 'dv-186f8d6']);
});

for (const name of fixtures) {
  test(`a repository written by ${name} upgrades once, keeps its history and staged change, and takes new work`, () => {
    const { dir, manifest } = unpack(name);
    const first = dv(dir, ['status', '--json']);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(first.stderr.startsWith(UPGRADED), first.stderr);
    assert.equal(fs.readFileSync(path.join(dir, '.dv', 'FORMAT'), 'utf8'), 'dv repository format 2\n');
    const status = JSON.parse(first.stdout);
    assert.deepEqual(status.staged, { added: [], modified: ['data/small/b.txt'], deleted: [] });
    assert.deepEqual(status.unstaged, { modified: [], deleted: [] });
    assert.deepEqual(status.untracked, []);

    // Upgraded once: the next command says nothing of it.
    assert.equal(dv(dir, ['status']).stderr, '');
    assert.deepEqual((JSON.parse(dvOk(dir, ['log', '--json'])) as { message: string }[]).map((c) => c.message.trim()), manifest.commits);
    assert.equal(dvOk(dir, ['rev-parse', 'review']), dvOk(dir, ['rev-parse', 'main']));
    assert.deepEqual(revisionFiles(dir, 'v1'), manifest.v1);
    assert.deepEqual(revisionFiles(dir, 'main'), manifest.main);
    assert.deepEqual(worktreeFiles(dir), manifest.staged);
    assert.equal(dv(dir, ['fsck']).code, 0);

    // New work on top: a commit, a checkout each way, gc, and a clean fsck.
    dvOk(dir, ['commit', '-m', 'staged change']);
    dvOk(dir, ['checkout', 'v1']);
    assert.deepEqual(worktreeFiles(dir), manifest.v1);
    assert.notEqual(fs.statSync(path.join(dir, 'scripts', 'clean.sh')).mode & 0o111, 0);
    dvOk(dir, ['checkout', 'main']);
    assert.deepEqual(worktreeFiles(dir), manifest.staged);
    fs.writeFileSync(path.join(dir, 'data', 'more.csv'), 'id,v\n' + Array.from({ length: 20000 }, (_, i) => `${i},${i * 7}`).join('\n'));
    dvOk(dir, ['add', 'data/more.csv']);
    dvOk(dir, ['commit', '-m', 'more']);
    dvOk(dir, ['gc']);
    assert.equal(dv(dir, ['fsck']).code, 0);
    const after = statusOf(dir);
    assert.deepEqual([after.staged, after.unstaged, after.untracked], [{ added: [], modified: [], deleted: [] }, { modified: [], deleted: [] }, []]);
  });
}

test('an old repository used as a remote is read and written as it is, not upgraded', () => {
  const { dir, manifest } = unpack('dv-175544c');
  const metaFormat = () => {
    const root = open({ path: path.join(dir, '.dv', 'store.mdb'), noSubdir: true, maxDbs: 16, compression: false, readOnly: true });
    try { return root.openDB<unknown, string>({ name: 'meta', encoding: 'msgpack' }).get('format'); } finally { void root.close(); }
  };
  const work = tmpDir('dv-old-clone-');
  const cloned = path.join(work, 'copy');
  const r = dv(work, ['clone', dir, cloned]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.includes('upgraded'), false);
  assert.deepEqual(revisionFiles(cloned, 'v1'), manifest.v1);
  assert.equal(fs.readFileSync(path.join(cloned, '.dv', 'FORMAT'), 'utf8'), 'dv repository format 2\n');
  // A push into it moves its branch and leaves its format, and its staged change, alone.
  fs.writeFileSync(path.join(cloned, 'data', 'new.csv'), 'id\n1\n');
  dvOk(cloned, ['add', 'data/new.csv']);
  dvOk(cloned, ['commit', '-m', 'new']);
  dvOk(cloned, ['branch', 'feature']);
  dvOk(cloned, ['push', 'origin', 'feature']);
  assert.equal(fs.readFileSync(path.join(dir, '.dv', 'FORMAT'), 'utf8'), 'dv repository format 1\n');
  assert.equal(metaFormat(), 1);
  // Opened as its own repository, it upgrades and has the pushed branch.
  assert.equal(dvOk(dir, ['rev-parse', 'feature']), dvOk(cloned, ['rev-parse', 'main']));
  assert.equal(metaFormat(), 2);
});

test('processes that open an old repository at the same time upgrade it exactly once', async () => {
  const { dir } = unpack('dv-175544c');
  const runs = await Promise.all([1, 2, 3, 4].map(() => dvAsync(dir, ['status', '--json'])));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  assert.equal(runs.filter((r) => r.stderr.startsWith(UPGRADED)).length, 1);
  assert.equal(new Set(runs.map((r) => r.stdout)).size, 1);
});

/** Rewrites a repository's store as format 1 with the given msgpack index values. */
function makeFormat1(dir: string, legacy: Record<string, unknown>): void {
  const root = open({ path: path.join(dir, '.dv', 'store.mdb'), noSubdir: true, maxDbs: 16, compression: false });
  const meta = root.openDB<unknown, string>({ name: 'meta', encoding: 'msgpack' });
  const index = root.openDB<unknown, string>({ name: 'index', encoding: 'msgpack' });
  root.transactionSync(() => {
    meta.putSync('format', 1);
    for (const [p, v] of Object.entries(legacy)) index.putSync(p, v);
  });
  root.close();
}

test('an old index entry that cannot be read is unstaged with a message; the rest are carried over', () => {
  const dir = makeRepo({ 'good.txt': 'good\n', 'bad.txt': 'bad\n' });
  dvOk(dir, ['add', 'good.txt', 'bad.txt']);
  // The entry as format 1 wrote it: a msgpack map of the same fields.
  const root = open({ path: path.join(dir, '.dv', 'store.mdb'), noSubdir: true, maxDbs: 16, compression: false, readOnly: true });
  const good = decodeIndexEntry(root.openDB<Buffer, string>({ name: 'index', encoding: 'binary' }).getBinary('good.txt')!, 'good.txt');
  root.close();
  makeFormat1(dir, { 'good.txt': { ...good }, 'bad.txt': { id: 'not an id', kind: 'file' } });

  const r = dv(dir, ['status', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stderr.split('\n'), [
    `${UPGRADED} (older dv versions can no longer open it)`,
    'dv: the staged entry for bad.txt was unreadable and is no longer staged; the file is untouched (`dv add bad.txt` stages it again)',
    '',
  ]);
  const status = JSON.parse(r.stdout);
  assert.deepEqual(status.staged.added, ['good.txt']);
  assert.deepEqual(status.untracked, ['bad.txt']);
  assert.equal(fs.readFileSync(path.join(dir, 'bad.txt'), 'utf8'), 'bad\n');
  dvOk(dir, ['add', 'bad.txt']);
  assert.deepEqual(statusOf(dir).staged.added, ['bad.txt', 'good.txt']);
});

test('a repository of a newer format is refused, and left as it was', () => {
  const dir = makeRepo({ 'a.txt': 'a\n' });
  dvOk(dir, ['add', 'a.txt']);
  const root = open({ path: path.join(dir, '.dv', 'store.mdb'), noSubdir: true, maxDbs: 16, compression: false });
  root.openDB<unknown, string>({ name: 'meta', encoding: 'msgpack' }).putSync('format', 3);
  void root.close();
  const before = storeSnapshot(dir);
  const r = dv(dir, ['status']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^dv: repository format 3 is newer than this dv supports \(2\)\nhint: upgrade dv/);
  assert.equal(storeSnapshot(dir), before);
});
