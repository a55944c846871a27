// Pins the test vectors printed in spec/chunking.md, so the document and the chunker
// cannot drift apart. If a change here is intended, it is a format change: update the
// spec (and think about existing repositories) in the same commit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GEAR, DEFAULT_CHUNK_PARAMS, Chunker, chunkBuffer, findCut } from '../src/chunker/index.js';
import { hashBytes } from '../src/hash/index.js';
import { specInput } from './helpers.js';


function cutPoints(chunks: Uint8Array[]): number[] {
  let off = 0;
  return chunks.map((c) => (off += c.length));
}

test('default parameters are the ones in the spec', () => {
  assert.deepEqual({ ...DEFAULT_CHUNK_PARAMS }, { min: 16384, avg: 65536, max: 262144 });
});

test('gear table matches the spec', () => {
  const hex = (i: number) => (GEAR[i]! >>> 0).toString(16).padStart(8, '0');
  assert.deepEqual([0, 1, 2, 3, 255].map(hex), ['e124b63a', '8b9a74ab', '64e1b3ac', '00174626', 'a526d8c6']);
  const le = Buffer.alloc(1024);
  for (let i = 0; i < 256; i++) le.writeUInt32LE(GEAR[i]! >>> 0, i * 4);
  assert.equal(hashBytes(le), '3b3de8643240fdcc03fb3976ec346a281a43121e69cc56987d19bc02d0c9b55b');
});

test('vector 1: 1 MiB of xorshift32 bytes (seed 1), default parameters', () => {
  const input = specInput(1 << 20, 1);
  assert.equal(Buffer.from(input.subarray(0, 8)).toString('hex'), '2101c54fd1d01ab2');
  assert.equal(hashBytes(input), 'caa30cba99acd70e7cebeb4fdf29c4ad928ff8d93d5c1c2b67d7a1db7644ed94');
  const chunks = chunkBuffer(input);
  assert.deepEqual(cutPoints(chunks), [
    82787, 102126, 173871, 259153, 337262, 418565, 573033, 652470, 752681, 777964, 848254, 925238, 1026475, 1048576,
  ]);
  assert.equal(hashBytes(chunks[0]!), 'cfb167b43bcf123607c382e6a46a5fb51df210a6f896eaf0c239c44dfe49fa5c');
});

test('vector 2: 600000 zero bytes cut only at the maximum size', () => {
  assert.deepEqual(cutPoints(chunkBuffer(new Uint8Array(600000))), [262144, 524288, 600000]);
});

test('vector 3: 8192 xorshift32 bytes (seed 7) with min 64, avg 256, max 1024', () => {
  const chunks = chunkBuffer(specInput(8192, 7), { min: 64, avg: 256, max: 1024 });
  assert.deepEqual(cutPoints(chunks), [
    262, 612, 953, 1306, 1669, 2028, 2213, 2354, 2715, 3001, 3258, 3533, 3841, 4198, 4308, 4583, 4855, 5170, 5266,
    5568, 5834, 6111, 6430, 6734, 6889, 7168, 7536, 7652, 7997, 8192,
  ]);
});

test('edge rules: short input is one chunk; streaming in any split gives the same cuts', () => {
  assert.deepEqual(cutPoints(chunkBuffer(new Uint8Array(16384))), [16384]);
  assert.deepEqual(chunkBuffer(new Uint8Array(0)), []);
  assert.equal(findCut(new Uint8Array(20000), 0, 20000, DEFAULT_CHUNK_PARAMS, false), -1);
  const input = specInput(1 << 20, 1);
  for (const step of [1000, 7777, 65536, 300000]) {
    const c = new Chunker();
    const sizes: number[] = [];
    for (let i = 0; i < input.length; i += step) for (const x of c.push(input.subarray(i, i + step))) sizes.push(x.length);
    for (const x of c.finish()) sizes.push(x.length);
    assert.deepEqual(sizes, chunkBuffer(input).map((x) => x.length), `push size ${step}`);
  }
});

test('an edit moves only the cuts near it', () => {
  const input = specInput(1 << 20, 1);
  const edited = Uint8Array.from(input);
  edited[500000]! ^= 0xff;
  assert.deepEqual(cutPoints(chunkBuffer(edited)), cutPoints(chunkBuffer(input)));
});
