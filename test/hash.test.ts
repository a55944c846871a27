import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hashBytes, createHasher, hashImplementation } from '../src/hash/index.js';
import { tmpDir } from './helpers.js';

const require = createRequire(import.meta.url);

test('the native BLAKE3 addon is the backend in use', async () => {
  const native = await import('@c4312/blake3-native');
  assert.equal(hashImplementation().streaming, (native as unknown as { default?: { hash: unknown } }).default?.hash ?? native.hash, 'blake3 resolves to @c4312/blake3-native, not the wasm build');
  assert.equal(hashImplementation().oneShot, 'dv-native', "dv's own addon (build/Release/dv_native.node) is built and loaded");
  const addon = path.join(path.dirname(require.resolve('@c4312/blake3-native/package.json')), 'build', 'Release');
  assert.ok(fs.readdirSync(addon).some((f) => f.endsWith('.node')), 'the compiled .node addon exists');
});

// Official BLAKE3 test vectors (test_vectors.json): input byte i is i % 251.
const VECTORS: Array<[number, string]> = [
  [0, 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'],
  [1, '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213'],
  [1023, '10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11'],
  [1024, '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7'],
  [1025, 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444'],
  [2048, 'e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a'],
  [102400, 'bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085'],
];

function vectorInput(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

test('hashBytes matches the published BLAKE3 test vectors', () => {
  for (const [len, expected] of VECTORS) assert.equal(hashBytes(vectorInput(len)), expected, `length ${len}`);
});

test('streamed hashing equals one-shot hashing', () => {
  const data = vectorInput(102400);
  const h = createHasher();
  for (let i = 0; i < data.length; i += 777) h.update(data.subarray(i, i + 777));
  assert.equal(h.digest(), hashBytes(data));
});

test('file ids agree with an independent BLAKE3 implementation (blake3-wasm)', async () => {
  const wasm = await import('blake3-wasm');
  await (wasm as unknown as { load?: () => Promise<void> }).load?.();
  const dir = tmpDir();
  const file = path.join(dir, 'f.bin');
  const bytes = Buffer.alloc(300_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
  fs.writeFileSync(file, bytes);
  const independent = Buffer.from((wasm as unknown as { hash: (b: Uint8Array) => Uint8Array }).hash(fs.readFileSync(file))).toString('hex');
  assert.equal(hashBytes(fs.readFileSync(file)), independent);
  const b3sum = spawnSync('b3sum', ['--no-names', file], { encoding: 'utf8' });
  if (b3sum.status === 0) assert.equal(b3sum.stdout.trim(), independent);
});
