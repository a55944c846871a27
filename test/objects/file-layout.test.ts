import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeGeneral, decodeObject, encodeFileObject, type FileObject } from '../../src/objects/index.js';
import { readFileLayout } from '../../src/objects/file-layout.js';
import { encodeCanonical } from '../../src/codec/index.js';
import type { Oid } from '../../src/hash/index.js';

/** A deterministic stream of numbers, so a failure can be replayed. */
function numbers(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
}

const SIZES = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];

function fileOf(next: () => number, count: number, withFp: boolean): FileObject {
  const hex = (n: number) => Array.from({ length: n }, () => (next() & 0xff).toString(16).padStart(2, '0')).join('');
  const chunks = Array.from({ length: count }, (_, i) => ({
    id: hex(32) as Oid,
    size: SIZES[(next() + i) % SIZES.length]! % 2 ** 40,
    ...(withFp && i % 3 !== 1 ? { fp: hex(8) } : {}),
  }));
  return { size: chunks.reduce((s, c) => s + c.size, 0), chunks };
}

/** readFileLayout either declines (the general decoder decides) or gives exactly what the general decoder gives. */
function agrees(bytes: Uint8Array): void {
  const fast = readFileLayout(bytes);
  let general: FileObject | Error;
  try {
    const obj = decodeGeneral('file', bytes);
    general = obj.kind === 'file' ? obj.file : new Error('not a file');
  } catch (err) {
    general = err as Error;
  }
  if (fast === undefined) return;
  assert.ok(!(general instanceof Error), `the fast path accepted bytes the general decoder refuses (${(general as Error).message})`);
  assert.deepEqual(fast, general);
}

test('file layout: reads what encodeFileObject writes, as the general decoder does, at every list and size encoding', () => {
  const next = numbers(7);
  for (const count of [0, 1, 15, 16, 200, 65535, 65536]) {
    for (const withFp of [false, true]) {
      const file = fileOf(next, count, withFp);
      const bytes = encodeFileObject(file);
      const fast = readFileLayout(bytes);
      assert.ok(fast, `the fast path declined a file of ${count} chunks`);
      assert.deepEqual(fast, file);
      assert.deepEqual(decodeObject('file', bytes), { kind: 'file', file });
      if (count <= 200) agrees(bytes);
    }
  }
});

test('file layout: damaged or unusual bytes are declined or read exactly as the general decoder reads them', () => {
  const next = numbers(11);
  const bytes = encodeFileObject(fileOf(next, 5, true));
  // Every truncation, every byte changed to a few telling values, and a byte too many.
  for (let n = 0; n < bytes.length; n++) agrees(bytes.subarray(0, n));
  for (let i = 0; i < bytes.length; i++) {
    for (const v of [0x00, 0x7f, 0x80, 0x92, 0x93, 0xc4, 0xcc, 0xcf, 0xd3, 0xdc, 0xff, bytes[i]! ^ 1]) {
      const copy = Buffer.from(bytes);
      copy[i] = v;
      agrees(copy);
    }
  }
  agrees(Buffer.concat([bytes, Buffer.from([0])]));
  // Other shapes the general decoder has its own answer for: declined here.
  const id = Buffer.alloc(32, 1);
  for (const v of [
    { c: [[id, -1]], s: -1, t: 'file' },
    { c: [[id, 2.5]], s: 2.5, t: 'file' },
    { c: [[id, 4, Buffer.alloc(8)]], s: 4, t: 'file', x: 1 },
    { c: [[id, 4]], s: 4, t: 'tree' },
    { c: [[id, 4, Buffer.alloc(7)]], s: 4, t: 'file' },
  ]) {
    const b = encodeCanonical(v as never);
    assert.equal(readFileLayout(b), undefined, JSON.stringify(v));
    agrees(b);
  }
  // A size past 2^53 is declined (msgpack uint64), and a chunk count the bytes cannot hold.
  const big = Buffer.from(encodeFileObject({ size: 1, chunks: [{ id: 'ab'.repeat(32) as Oid, size: 1 }] }));
  assert.equal(readFileLayout(Buffer.concat([big.subarray(0, 3), Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]), big.subarray(4)])), undefined);
  const huge = Buffer.concat([Buffer.from([0x83, 0xa1, 0x63, 0x91, 0x92, 0xc4, 0x20]), Buffer.alloc(32), Buffer.from([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x73, 0x01, 0xa1, 0x74, 0xa4]), Buffer.from('file')]);
  assert.equal(readFileLayout(huge), undefined);
  agrees(huge);
});
