// Pins the on-disk encodings spec/storage.md, spec/refs.md and spec/layout.md describe,
// byte for byte, including the parts lmdb-js decides (key and value encodings), so an
// upgrade of a storage dependency that changes them fails here first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decompress } from 'zstd-napi';
import { initRepository } from '../src/repo/index.js';
import { ContentWriter, storeBytes } from '../src/store/index.js';
import { hashBytes, oidToBytes, type Oid } from '../src/hash/index.js';
import { decodeCanonical } from '../src/codec/index.js';
import { specInput, tmpDir } from './helpers.js';


test('a new repository: FORMAT, meta, HEAD and its first reflog entry, byte for byte', async () => {
  const dir = tmpDir();
  const repo = initRepository(dir);
  try {
    assert.equal(fs.readFileSync(path.join(dir, '.dv', 'FORMAT'), 'utf8'), 'dv repository format 2\n');
    assert.ok(fs.existsSync(path.join(dir, '.dv', 'store.mdb')));
    const raw = (name: string) => repo.env.root.openDB<Buffer, Buffer>({ name, encoding: 'binary', keyEncoding: 'binary' });
    const text = (s: string) => Buffer.from(s).toString('hex');

    assert.equal(raw('meta').getBinary(Buffer.from('format'))?.toString('hex'), '02');
    assert.equal(raw('config').getBinary(Buffer.from('core.bare'))?.toString('hex'), 'c2');
    // HEAD = {symbolic: 'refs/heads/main'} through msgpackr's record extension.
    assert.equal(raw('refs').getBinary(Buffer.from('HEAD'))?.toString('hex'),
      `d4724091a8${text('symbolic')}af${text('refs/heads/main')}`);

    // Reflog key [HEAD, 0] in ordered-binary; value {ref, old, new, who, ms, message}.
    const keys = [...raw('reflog').getKeys()].map((k) => Buffer.from(k as Uint8Array).toString('hex'));
    assert.deepEqual(keys, [`${text('HEAD')}00100000000000000000`]);
    const entry = repo.refs.reflog('HEAD');
    assert.equal(entry.length, 1);
    assert.deepEqual({ ...entry[0], who: '', ms: 0 }, { ref: 'HEAD', old: null, new: null, who: '', ms: 0, message: 'init' });
    const value = raw('reflog').getBinary(Buffer.from(`${text('HEAD')}00100000000000000000`, 'hex'))!;
    assert.equal(value.subarray(0, 3).toString('hex'), 'd47240');
  } finally {
    await repo.close();
  }
});

test('stored objects: inline [kind][encoding][payload] up to 64 payload bytes, else an 18-byte pack locator', async () => {
  const dir = tmpDir();
  const repo = initRepository(dir);
  try {
    const batch = repo.objects.batch();
    const small = storeBytes(batch, Buffer.from('hello\n'));
    const text = storeBytes(batch, Buffer.alloc(1000, 'a'));
    const big = specInput(1 << 20, 1);
    const multi = storeBytes(batch, big);
    batch.flush();

    // 6 raw bytes: inline, uncompressed.
    assert.equal(repo.objects.getRecord(small.id)?.toString('hex'), '010068656c6c6f0a');

    // 1000 × 'a' compresses to a zstd frame of under 64 bytes: inline, encoding 1.
    const rec = repo.objects.getRecord(text.id)!;
    assert.equal(rec.subarray(0, 2).toString('hex'), '0101');
    assert.equal(rec.subarray(2, 6).toString('hex'), '28b52ffd', 'a zstd frame');
    assert.deepEqual(decompress(rec.subarray(2)), Buffer.alloc(1000, 'a'));

    // 1 MiB of random bytes: 14 chunks (spec/chunking.md vector 1), incompressible, packed.
    const firstChunk = hashBytes(big.subarray(0, 82787));
    const loc = repo.objects.getRecord(firstChunk)!;
    assert.equal(loc.length, 18);
    assert.equal(loc[0], 1, 'kind blob');
    assert.equal(loc[1], 0x80, 'raw payload, packed');
    const pack = loc.readUInt32BE(2);
    const offset = Number(loc.readBigUInt64BE(6));
    const length = loc.readUInt32BE(14);
    assert.equal(length, 82787);
    const packFile = path.join(dir, '.dv', 'packs', `${String(pack).padStart(8, '0')}.pack`);
    const bytes = Buffer.alloc(length);
    const fd = fs.openSync(packFile, 'r');
    fs.readSync(fd, bytes, 0, length, offset);
    fs.closeSync(fd);
    assert.equal(hashBytes(bytes), firstChunk, 'the locator names the chunk bytes inside the pack');
    assert.equal((repo.env.meta.get('pack.next') as number), pack + 1);

    // The file object is stored under the content id, not the hash of its encoding.
    assert.equal(multi.id, hashBytes(big));
    const stored = repo.objects.readPayload(multi.id)!;
    assert.equal(stored.kind, 'file');
    const payload = (stored.encoding & 0x7f) === 1 ? decompress(stored.payload) : Buffer.from(stored.payload);
    const decoded = decodeCanonical(payload) as { t: string; s: number; c: Array<[Uint8Array, number]> };
    assert.equal(decoded.t, 'file');
    assert.equal(decoded.s, 1 << 20);
    assert.equal(decoded.c.length, 14);
    assert.notEqual(hashBytes(payload), multi.id);
    assert.deepEqual(Buffer.from(decoded.c[0]![0]), oidToBytes(firstChunk));
    assert.ok((repo.env.meta.get('generation') as number) >= 2, 'every write transaction bumps the generation');
  } finally {
    await repo.close();
  }
});

test('deltas: a changed chunk is stored as [depth][base id][zstd frame with the base as raw dictionary]', async () => {
  const dir = tmpDir();
  const repo = initRepository(dir);
  try {
    // Text-like content compresses, so the plain chunk and its delta are easy to tell apart.
    const v1 = Buffer.from(Array.from({ length: 3000 }, (_, i) => `2024-01-${String(i % 28 + 1).padStart(2, '0')},st${i % 7},${(i * 37) % 1000 / 10}\n`).join(''));
    const v2 = Buffer.from(v1);
    v2[40000] = v2[40000] === 0x31 ? 0x32 : 0x31;
    const write = (bytes: Buffer, previous?: Oid) => {
      const batch = repo.objects.batch();
      const w = new ContentWriter(batch, previous ? { objects: repo.objects, id: previous } : undefined);
      w.write(bytes);
      const r = w.finish();
      batch.flush();
      return r.id;
    };
    const id1 = write(v1);
    const id2 = write(v2, id1);
    const rec = repo.objects.getRecord(id2)!;
    const stored = repo.objects.readPayload(id2)!;
    assert.equal(rec[0], 1, 'one chunk: a blob');
    assert.equal(stored.encoding & 0x7f, 2, 'delta encoding');
    assert.equal(stored.payload[0], 1, 'depth 1: the base is a plain blob');
    assert.deepEqual(Buffer.from(stored.payload.subarray(1, 33)), oidToBytes(id1), 'base id');
    if (rec[1]! & 0x80) assert.deepEqual(rec.subarray(18), Buffer.from(stored.payload.subarray(0, 33)), 'a delta locator repeats the header');
    assert.ok(stored.payload.length - 33 <= v2.length / 4, 'kept only when at most a quarter of the chunk');
    assert.deepEqual(repo.objects.readContentBuffer(id2), v2);

    // A base that begins with zstd's dictionary magic is never used: zstd would parse it as a formatted dictionary.
    const m1 = Buffer.from(v1);
    m1.writeUInt32LE(0xec30a437, 0);
    const m2 = Buffer.from(m1);
    m2[40000] = v2[40000]!;
    const mid = write(m2, write(m1));
    assert.notEqual(repo.objects.readPayload(mid)!.encoding & 0x7f, 2);
    assert.deepEqual(repo.objects.readContentBuffer(mid), m2);
  } finally {
    await repo.close();
  }
});
