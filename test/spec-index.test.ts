// Pins spec/index.md: the index entry layout, the racy-timestamp rule and the refresh
// that makes a racily clean entry trusted again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { hashBytes } from '../src/hash/index.js';
import { decodeIndexEntry, encodeIndexEntry, INDEX_ENTRY_LENGTH } from '../src/store/index.js';
import { initRepository } from '../src/repo/index.js';
import { add, compareWorktree, isRacy, RACY_MARGIN_SEC, type StatTime } from '../src/worktree/index.js';
import { tmpDir } from './helpers.js';

test('racy rule: stat data is trusted only when mtime.sec + 2 <= index.stamp.sec', () => {
  assert.equal(RACY_MARGIN_SEC, 2);
  assert.equal(isRacy([10, 0], [12, 0]), false);
  assert.equal(isRacy([10, 999_999_999], [12, 0]), false);
  assert.equal(isRacy([10, 0], [11, 999_999_999]), true);
  assert.equal(isRacy([12, 0], [12, 0]), true);
});

test('an index entry holds id, kind, size, [sec, nsec] times, ino and dev; the stamp is [sec, nsec]', async () => {
  const dir = tmpDir();
  const repo = initRepository(dir);
  try {
    fs.writeFileSync(path.join(dir, 'a.csv'), 'x,y\n1,2\n');
    await add(repo, { paths: ['a.csv'], cwd: dir });
    const raw = repo.env.index.get('a.csv') as Buffer;
    assert.equal(raw.length, INDEX_ENTRY_LENGTH);
    const e = decodeIndexEntry(raw, 'a.csv') as unknown as Record<string, unknown>;
    assert.deepEqual(Object.keys(e).sort(), ['ctime', 'dev', 'id', 'ino', 'kind', 'mtime', 'size']);
    assert.equal(e.id, hashBytes(Buffer.from('x,y\n1,2\n')), 'the content id, as hex');
    assert.equal(e.kind, 'file');
    assert.equal(e.size, 8);
    const st = fs.statSync(path.join(dir, 'a.csv'), { bigint: true });
    const [sec, nsec] = e.mtime as [number, number];
    assert.equal(sec, Number(st.mtimeNs / 1_000_000_000n));
    assert.ok(Math.abs(nsec - Number(st.mtimeNs % 1_000_000_000n)) < 1000, 'nanoseconds kept to within a microsecond');
    const stamp = repo.env.meta.get('index.stamp') as StatTime;
    assert.ok(Array.isArray(stamp) && stamp.length === 2 && stamp[0] >= Number(st.mtimeNs / 1_000_000_000n));
  } finally {
    await repo.close();
  }
});

test('the 81-byte binary entry layout', () => {
  const id = hashBytes(Buffer.from('hello\n'));
  const raw = encodeIndexEntry({ id, kind: 'exec', size: 6, mtime: [1700000000, 123456789], ctime: [1700000001, 5], ino: 42, dev: 2049 });
  const f64 = (x: number) => { const b = Buffer.alloc(8); b.writeDoubleBE(x); return b.toString('hex'); };
  const u32 = (x: number) => x.toString(16).padStart(8, '0');
  assert.equal(raw.toString('hex'), `02${id}${f64(6)}${f64(1700000000)}${u32(123456789)}${f64(1700000001)}${u32(5)}${f64(42)}${f64(2049)}`);
  assert.equal(raw.length, 81);
  assert.deepEqual(decodeIndexEntry(raw, 'x'), { id, kind: 'exec', size: 6, mtime: [1700000000, 123456789], ctime: [1700000001, 5], ino: 42, dev: 2049 });
  assert.throws(() => decodeIndexEntry(raw.subarray(0, 80), 'x'), /index entry for x is malformed/);
});

test('a racily clean entry is hashed, then refreshed once it is safe, so the next status trusts it', async () => {
  const dir = tmpDir();
  const repo = initRepository(dir);
  try {
    const file = path.join(dir, 'data.csv');
    fs.writeFileSync(file, 'a,b\n1,2\n');
    const old = Math.floor(Date.now() / 1000) - 100;
    fs.utimesSync(file, old, old);
    await add(repo, { paths: ['data.csv'], cwd: dir });
    // Make the entry racy: pretend the index was written within 2 s of the file's mtime.
    repo.env.root.transactionSync(() => repo.env.meta.putSync('index.stamp', [old + 1, 0]));
    const generation = repo.env.meta.get('generation') as number;

    const first = compareWorktree(repo);
    assert.equal(first.modified.size, 0, 'same content: not modified');
    const refreshed = repo.env.meta.get('index.stamp') as StatTime;
    assert.ok(refreshed[0] >= old + 100, 'the refresh wrote the index, moving the stamp past the racy window');
    assert.equal(repo.env.meta.get('generation'), generation + 1);

    compareWorktree(repo);
    assert.equal(repo.env.meta.get('generation'), generation + 1, 'a trusted entry needs no further write');
  } finally {
    await repo.close();
  }
});
