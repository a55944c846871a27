// Received blobs are checked off the main thread by native threads (native/verify_blobs.c)
// or store workers: both must accept exactly what the main thread would, make the same
// hash pieces and file writes, and refuse the same bad payloads with the same errors.
// Native threads also decode deltas against their stored bases, which they read from the
// packs themselves; a base that does not read back right is left to the main thread.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Compressor } from 'zstd-napi';
import { canHashInPieces, hashBytes, hashBytesRaw, hashPiece, oidToBytes, type Oid } from '../../src/hash/index.js';
import { nativeAddon } from '../../src/native/index.js';
import { ENCODING_DELTA, ENCODING_RAW, ENCODING_ZSTD, NativeVerifier, StorePool, encodeDelta, encodePayload, type BlobVerifier, type VerifiedBlob, type VerifyRequest } from '../../src/store/index.js';
import { importObjects } from '../../src/remote/index.js';
import { initRepository, type Repository } from '../../src/repo/index.js';
import { tmpDir } from '../helpers.js';

type Outcome = { result?: VerifiedBlob; err?: Error };

function check(v: BlobVerifier, id: Oid, encoding: number, payload: Uint8Array, req: VerifyRequest = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    v.verify(id, encoding, payload, req, (result, err) => resolve({ result, err }));
    void v.drain();
  });
}

/** `n` bytes of text that compresses (so it travels as zstd). */
function text(n: number): Buffer {
  const rows = Array.from({ length: Math.ceil(n / 10) }, (_, i) => `${i},${(i * 7919) % 1000},row\n`).join('');
  return Buffer.from(rows).subarray(0, n);
}

const zstd = (bytes: Buffer) => encodePayload('blob', bytes, true);

test('the native verifier is there when the addon is built', { skip: !nativeAddon() && 'no native addon here' }, () => {
  assert.ok(NativeVerifier.create(), 'verifyBlobs is loaded');
});

const verifiers: Array<[string, BlobVerifier | undefined]> = [
  ['native threads', NativeVerifier.create()],
  ['store workers', StorePool.forStore(path.join(tmpDir(), 'probe'))],
];

for (const [where, v] of verifiers) {
  const skip = !v && `no ${where} here`;

  test(`${where}: raw and compressed blobs verify and come back with their bytes`, { skip }, async () => {
    const raw = crypto.randomBytes(20_000);
    const r1 = await check(v!, hashBytes(raw), ENCODING_RAW, Buffer.from(raw));
    assert.equal(r1.err, undefined);
    assert.ok(Buffer.from(r1.result!.bytes!).equals(raw));
    const plain = text(100_000);
    const p = zstd(plain);
    assert.equal(p.encoding, ENCODING_ZSTD);
    const r2 = await check(v!, hashBytes(plain), p.encoding, p.payload);
    assert.equal(r2.err, undefined);
    assert.ok(Buffer.from(r2.result!.bytes!).equals(plain));
  });

  test(`${where}: a chunk of files becomes its hash pieces and is written into them`, { skip: (skip || !canHashInPieces()) && 'no piece hashing here' }, async () => {
    const chunk = text(70_001);
    const p = zstd(chunk);
    const out = path.join(tmpDir(), 'file');
    fs.writeFileSync(out, Buffer.alloc(200_000));
    const uses = [{ offset: 1_000, contentSize: 200_000, path: out }, { offset: 100_000, contentSize: 171_001 }];
    const r = await check(v!, hashBytes(chunk), p.encoding, p.payload, { uses, size: chunk.length });
    assert.equal(r.err, undefined);
    assert.equal(r.result!.bytes, undefined, 'bytes stay on the thread unless asked for');
    assert.deepEqual(r.result!.unwritten, [false, false]);
    assert.ok(Buffer.from(r.result!.pieces![0]!).equals(Buffer.from(hashPiece(chunk, 1_000, 200_000))));
    assert.ok(Buffer.from(r.result!.pieces![1]!).equals(Buffer.from(hashPiece(chunk, 100_000, 171_001))));
    assert.ok(fs.readFileSync(out).subarray(1_000, 71_001).equals(chunk));
    const kept = await check(v!, hashBytes(chunk), p.encoding, zstd(chunk).payload, { uses: uses.slice(1), size: chunk.length, keep: true });
    assert.ok(Buffer.from(kept.result!.bytes!).equals(chunk));
    const failed = await check(v!, hashBytes(chunk), p.encoding, zstd(chunk).payload, { uses: [{ offset: 0, contentSize: 70_001, path: path.join(tmpDir(), 'gone', 'file') }], size: chunk.length });
    assert.equal(failed.err, undefined, 'a failed write does not fail the blob');
    assert.deepEqual(failed.result!.unwritten, [true]);
  });

  test(`${where}: bytes that do not match the id, the size or the encoding are refused`, { skip }, async () => {
    const plain = text(50_000);
    const other = hashBytes(Buffer.from('something else'));
    const cases: Array<[string, Promise<Outcome>, RegExp]> = [
      ['wrong id', check(v!, other, ENCODING_ZSTD, zstd(plain).payload), /object [0-9a-f]{64} is corrupt: its bytes hash to [0-9a-f]{64}/],
      ['wrong id, raw', check(v!, other, ENCODING_RAW, crypto.randomBytes(9000)), /is corrupt: its bytes hash to/],
      ['not zstd', check(v!, hashBytes(plain), ENCODING_ZSTD, crypto.randomBytes(9000)), /does not decompress/],
      ['unknown encoding', check(v!, hashBytes(plain), 7, zstd(plain).payload), /has an invalid encoding 7 for a blob/],
      ['a delta', check(v!, hashBytes(plain), 2, zstd(plain).payload), /is a delta, which is verified where its base is held/],
    ];
    if (canHashInPieces()) {
      cases.push(
        ['shorter than listed', check(v!, hashBytes(plain), ENCODING_ZSTD, zstd(plain).payload, { uses: [{ offset: 0, contentSize: 60_000 }], size: 60_000 }), /has the wrong size for the file that lists it/],
        ['longer than listed', check(v!, hashBytes(plain), ENCODING_ZSTD, zstd(plain).payload, { uses: [{ offset: 0, contentSize: 40_000 }], size: 40_000 }), /does not decompress into 40000 bytes/],
      );
    }
    for (const [what, outcome, message] of cases) {
      const { result, err } = await outcome;
      assert.equal(result, undefined, what);
      assert.match(err?.message ?? '', message, what);
      assert.equal((err as { code?: string }).code, 'ECORRUPT', what);
    }
  });

  test(`${where}: payloads that are views of one received piece verify, and the piece is left whole for the others`, { skip }, async () => {
    const a = text(40_000);
    const b = text(41_000);
    const pa = zstd(a).payload;
    const pb = zstd(b).payload;
    const piece = Buffer.concat([Buffer.alloc(7), pa, pb]);
    const views = [piece.subarray(7, 7 + pa.length), piece.subarray(7 + pa.length)];
    const [ra, rb] = await Promise.all([check(v!, hashBytes(a), ENCODING_ZSTD, views[0]!), check(v!, hashBytes(b), ENCODING_ZSTD, views[1]!)]);
    assert.equal(ra.err, undefined);
    assert.equal(rb.err, undefined);
    assert.ok(Buffer.from(ra.result!.bytes!).equals(a) && Buffer.from(rb.result!.bytes!).equals(b));
    assert.equal(piece.buffer.byteLength > 0 && piece.length, 7 + pa.length + pb.length, 'the piece is not taken away');
    assert.ok(piece.subarray(7).equals(Buffer.concat([pa, pb])), 'nor changed');
    // Only the payload's own bytes cross to a store worker and back, not the whole piece.
    if (where === 'store workers') assert.equal(ra.result!.payload.buffer.byteLength, pa.length);
  });

  test(`${where}: a frame that does not state its size still verifies`, { skip }, async () => {
    const plain = text(30_000);
    const c = new Compressor();
    c.setParameters({ compressionLevel: 1, contentSizeFlag: false });
    const r = await check(v!, hashBytes(plain), ENCODING_ZSTD, c.compress(plain));
    assert.equal(r.err, undefined);
    assert.ok(Buffer.from(r.result!.bytes!).equals(plain));
  });

  test(`${where}: many blobs in many batches all come back, each with its own result`, { skip }, async () => {
    const blobs = Array.from({ length: 300 }, (_, i) => text(5_000 + i * 37));
    const results = await Promise.all(blobs.map((b, i) => (i % 7 === 0
      ? check(v!, hashBytes(Buffer.from('not it')), ENCODING_RAW, Buffer.from(b))
      : check(v!, hashBytes(b), zstd(b).encoding, zstd(b).payload))));
    results.forEach((r, i) => {
      if (i % 7 === 0) assert.match(r.err!.message, /its bytes hash to/);
      else assert.ok(Buffer.from(r.result!.bytes!).equals(blobs[i]!), `blob ${i}`);
    });
    assert.equal(v!.bytesInFlight, 0);
  });
}

/** A bare repository holding `plain` (compressed, or as it is with `raw`) and `mid` (a delta against it), committed to a pack. */
async function storedBases(plain: Buffer, mid: Buffer, raw = false): Promise<{ repo: Repository; plainId: Oid; midId: Oid }> {
  const repo = initRepository(path.join(tmpDir(), 'r'), { bare: true });
  const batch = repo.objects.batch();
  const plainRaw = hashBytesRaw(plain);
  batch.putPayload(plainRaw, encodePayload('blob', plain, !raw));
  const midDelta = encodeDelta(mid, plain, plainRaw, 0)!;
  assert.ok(midDelta, 'the middle blob is a delta');
  batch.putPayload(hashBytesRaw(mid), midDelta);
  batch.flush();
  return { repo, plainId: hashBytes(plain), midId: hashBytes(mid) };
}

/** `bytes` with a few rows changed: a small delta against them. */
function corrected(bytes: Buffer, seed: number): Buffer {
  const out = Buffer.from(bytes);
  for (let at = 1000 + seed; at < out.length; at += 9000) out.write(`X${seed}`, at);
  return out;
}

test('native threads: a delta is decoded against its stored bases, a chain of them included', { skip: !NativeVerifier.create() && 'no native verifier here' }, async () => {
  const v = NativeVerifier.create()!;
  const plain = text(80_000);
  const mid = corrected(plain, 1);
  const { repo, plainId, midId } = await storedBases(plain, mid);
  try {
    for (const [what, base, baseBytes, depth] of [['on a plain base', plainId, plain, 0], ['on a delta', midId, mid, 1]] as const) {
      const next = corrected(baseBytes, 7);
      const delta = encodeDelta(next, baseBytes, oidToBytes(base), depth)!;
      const chain = repo.objects.storedChain(base)!;
      assert.equal(chain.length, depth + 1, what);
      const r = await check(v, hashBytes(next), ENCODING_DELTA, delta.payload, { chain });
      assert.equal(r.err, undefined, what);
      assert.ok(Buffer.from(r.result!.bytes!).equals(next), what);
      // As a chunk of a file being received: its piece and nothing back.
      const piece = await check(v, hashBytes(next), ENCODING_DELTA, delta.payload, { chain, uses: [{ offset: 5, contentSize: next.length + 10 }], size: next.length });
      assert.equal(piece.result!.bytes, undefined, what);
      assert.ok(Buffer.from(piece.result!.pieces![0]!).equals(Buffer.from(hashPiece(next, 5, next.length + 10))), what);
    }
    const next = corrected(mid, 3);
    const delta = encodeDelta(next, mid, oidToBytes(midId), 1)!;
    const chain = repo.objects.storedChain(midId)!;
    const wrongId = await check(v, hashBytes(plain), ENCODING_DELTA, delta.payload, { chain });
    assert.match(wrongId.err!.message, /its bytes hash to/);
    const garbled = Buffer.from(delta.payload);
    garbled.fill(0x55, 40);
    const bad = await check(v, hashBytes(next), ENCODING_DELTA, garbled, { chain });
    assert.match(bad.err!.message, /does not decode against its delta base/);
    assert.equal((bad.err as { code?: string }).code, 'ECORRUPT');
  } finally {
    await repo.close();
  }
});

// A base stored as it is still decodes when damaged, into wrong bytes: the delta's result
// then fails its check, and the threads (which skip checking bases whose result is checked)
// must check the bases before they blame the sender.
for (const raw of [false, true]) test(`native threads: a delta whose stored base (${raw ? 'stored as it is' : 'compressed'}) is damaged is left to the main thread, which says the store is damaged`, { skip: !NativeVerifier.create() && 'no native verifier here' }, async () => {
  const v = NativeVerifier.create()!;
  // Random bytes: the delta takes every byte it keeps from its base (text it partly compresses on its own).
  const plain = raw ? crypto.randomBytes(80_000) : text(80_000);
  const mid = corrected(plain, 1);
  const { repo, plainId } = await storedBases(plain, mid, raw);
  try {
    const next = corrected(plain, 5);
    const delta = encodeDelta(next, plain, oidToBytes(plainId), 0)!;
    const chain = repo.objects.storedChain(plainId)!;
    // Damage the stored base where it lies in its pack.
    const fd = fs.openSync(chain[0]!.path, 'r+');
    fs.writeSync(fd, Buffer.alloc(64, 0x33), 0, 64, chain[0]!.offset + 20);
    fs.closeSync(fd);
    const r = await check(v, hashBytes(next), ENCODING_DELTA, delta.payload, { chain });
    assert.deepEqual([r.result, r.err], [undefined, undefined], 'neither verified nor blamed on the sender');
    const imported = importObjects(repo.objects, (async function* () { yield { id: hashBytes(next), kind: 'blob' as const, encoding: ENCODING_DELTA, payload: delta.payload }; })());
    await assert.rejects(imported, (err: Error & { hint?: string }) => err.message.includes(plainId) && /fsck/.test(err.hint ?? ''));
    assert.equal(repo.objects.has(hashBytes(next)), false);
  } finally {
    await repo.close();
  }
});

test('a batch the addon refuses to start fails its jobs instead of leaving them waiting', async () => {
  // An addon built from other sources than the code calling it, say.
  const refusing = { verifyBlobs() { throw new RangeError('verifyBlobs: the batch\'s arrays do not agree'); } };
  const v = new (NativeVerifier as unknown as new (native: unknown) => NativeVerifier)(refusing);
  const plain = text(20_000);
  const r = await check(v, hashBytes(plain), ENCODING_RAW, plain);
  assert.equal(r.result, undefined);
  assert.match(r.err!.message, /verifying failed: verifyBlobs: the batch's arrays do not agree/);
  assert.equal(v.bytesInFlight, 0);
  await v.drain();
});
