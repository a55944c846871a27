// The native addon and its JavaScript twins must agree bit for bit: ids and chunk
// boundaries may not depend on whether the addon was built on a machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { nativeAddon } from '../src/native/index.js';
import { DEFAULT_CHUNK_PARAMS, findCutJs, type ChunkParams } from '../src/chunker/index.js';
import { countRecordsJs, firstDifferenceJs, lineBreaksJs } from '../src/rows/index.js';
import fs from 'node:fs';
import path from 'node:path';
import { dv, dvOk, makeRepo, specInput } from './helpers.js';

const addon = nativeAddon();

test('the native addon is built and loaded', () => {
  assert.ok(addon, 'build/Release/dv_native.node is missing: `npm install` builds it (scripts/build-native.mjs)');
});

test('native one-shot BLAKE3 equals the blake3 package on many lengths', async () => {
  const { hash } = await import('blake3');
  const data = specInput(300_000, 7);
  const out = Buffer.alloc(32);
  for (const n of [0, 1, 63, 64, 65, 1023, 1024, 1025, 4096, 65_536, 100_001, 300_000]) {
    addon!.hashInto(data.subarray(0, n), out);
    assert.equal(out.toString('hex'), Buffer.from(hash(data.subarray(0, n))).toString('hex'), `length ${n}`);
  }
  assert.throws(() => addon!.hashInto(data, Buffer.alloc(8)), /shorter than 32/);
});

test('native cut search equals the JavaScript one: every start, both modes, several parameter sets', () => {
  const data = specInput(3 << 20, 11);
  const sets: ChunkParams[] = [DEFAULT_CHUNK_PARAMS, { min: 2048, avg: 8192, max: 32768 }, { min: 64, avg: 256, max: 1024 }];
  for (const p of sets) {
    const bits = Math.round(Math.log2(p.avg));
    const top = (n: number) => (n >= 32 ? -1 : ~((1 << (32 - n)) - 1)) >>> 0;
    for (let start = 0, k = 0; start < data.length; k++) {
      const end = Math.min(data.length, start + ((k * 7919) % (p.max * 2)) + 1);
      for (const final of [false, true]) {
        const js = findCutJs(data, start, end, p, final);
        const nat = addon!.findCut(data, start, end, p.min, p.avg, p.max, top(bits + 2), top(bits - 2), final);
        assert.equal(nat, js, `params ${JSON.stringify(p)} start ${start} end ${end} final ${final}`);
      }
      const next = findCutJs(data, start, data.length, p, true);
      start = next;
    }
  }
  assert.throws(() => addon!.findCut(data, 10, data.length + 1, 1, 2, 3, 0, 0, true), /outside the buffer/);
});

test('with DV_NATIVE=0 the CLI stores the same ids and chunks', () => {
  const script = `
    import { chunkBuffer } from './src/chunker/index.js';
    import { hashBytes } from './src/hash/index.js';
    import { specInput } from './test/helpers.js';
    const data = specInput(2 << 20, 5);
    console.log(hashBytes(data), chunkBuffer(data).map((c) => c.length).join(','));
  `;
  const run = (env: Record<string, string>) => spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  const a = run({});
  const b = run({ DV_NATIVE: '0' });
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.ok(a.stdout.length > 64);
  assert.equal(a.stdout, b.stdout);
});

test('native line breaks, record counts and first differences equal the JavaScript ones', () => {
  // Lines of random lengths, some empty, some a lone CR, with CRLF endings here and there.
  let seed = 9;
  const rand = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
  const parts: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const r = rand();
    parts.push(r < 0.05 ? '' : r < 0.08 ? '\r' : 'x'.repeat(Math.floor(rand() * 90)) + (rand() < 0.2 ? '\r' : ''));
  }
  const data = Buffer.from(parts.join('\n') + '\n');
  for (const [start, end] of [[0, data.length], [0, 0], [5, 700], [1000, 1001], [1234, data.length - 17]] as Array<[number, number]>) {
    for (const size of [1, 16, 4096]) {
      const a = new Int32Array(size);
      const b = new Int32Array(size);
      const n = addon!.lineBreaks(data, start, end, a);
      assert.equal(n, lineBreaksJs(data, start, end, b), `line breaks ${start}-${end} x${size}`);
      assert.deepEqual(a.subarray(0, n), b.subarray(0, n));
    }
    // Counts start at a line start.
    const from = start === 0 ? 0 : data.indexOf(10, start) + 1;
    assert.equal(addon!.countRecords(data, from, Math.max(from, end)), countRecordsJs(data, from, Math.max(from, end)), `records ${from}-${end}`);
  }
  const other = Buffer.from(data);
  for (const at of [0, 7, 255, 256, 257, 4095, 70_000, data.length - 1]) {
    other[at]! ^= 1;
    for (const [a0, b0, n] of [[0, 0, data.length], [3, 3, data.length - 3], [at, at, 1], [at + 1, at + 1, data.length - at - 1]] as Array<[number, number, number]>) {
      if (n < 0) continue;
      assert.equal(addon!.firstDifference(data, a0, other, b0, n), firstDifferenceJs(data, a0, other, b0, n), `difference at ${at} from ${a0} over ${n}`);
    }
    other[at]! ^= 1;
  }
  assert.equal(addon!.firstDifference(data, 0, other, 0, data.length), data.length);
  assert.throws(() => addon!.lineBreaks(data, 0, data.length + 1, new Int32Array(4)), /outside the buffer/);
  assert.throws(() => addon!.firstDifference(data, 1, other, 0, data.length), /outside the buffers/);
  assert.throws(() => addon!.countRecords(data, 5, 2), /outside the buffer/);
});

test('native lstat of a directory\'s entries equals lstatSync: files, exec bits, symlinks, directories, fifos, vanished names', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dv-lstat-'));
  try {
    fs.writeFileSync(path.join(dir, 'plain'), 'abc');
    fs.writeFileSync(path.join(dir, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    fs.symlinkSync('plain', path.join(dir, 'link'));
    fs.symlinkSync('/nowhere', path.join(dir, 'dangling'));
    fs.mkdirSync(path.join(dir, 'sub'));
    spawnSync('mkfifo', [path.join(dir, 'pipe')]);
    fs.writeFileSync(path.join(dir, 'naïve ünïcode'), 'x'.repeat(5000));
    const names = ['plain', 'tool', 'link', 'dangling', 'sub', 'pipe', 'naïve ünïcode', 'gone'];
    const out = new Float64Array(names.length * 6);
    addon!.lstatNames(dir, names, out);
    names.forEach((name, i) => {
      const o = Array.from(out.subarray(i * 6, i * 6 + 6));
      const st = fs.lstatSync(path.join(dir, name), { throwIfNoEntry: false });
      if (!st) { assert.equal(o[0], -os.constants.errno.ENOENT, name); return; }
      assert.deepEqual(o, [st.mode, st.size, st.mtimeMs, st.ctimeMs, st.ino, st.dev], name);
    });
    assert.throws(() => addon!.lstatNames(path.join(dir, 'none'), names, out), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
    assert.throws(() => addon!.lstatNames(path.join(dir, 'plain'), names, out), (err: NodeJS.ErrnoException) => err.code === 'ENOTDIR');
    assert.throws(() => addon!.lstatNames(dir, names, new Float64Array(3)), /six numbers per name/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a content hash joined from pieces made apart equals BLAKE3 of the whole, for any split', async () => {
  const { hash } = await import('blake3');
  const data = specInput(700_000, 13);
  const out = Buffer.alloc(32);
  let seed = 5;
  const next = (n: number) => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed % n; };
  for (let t = 0; t < 400; t++) {
    const size = [0, 1, 1023, 1024, 1025, 2048, 65_536, 66_000, 700_000][t % 9]! - (t > 9 ? next(900) : 0);
    const whole = data.subarray(0, Math.max(0, size));
    const state = addon!.pieceHasherNew();
    // Cuts anywhere: some pieces inside one BLAKE3 chunk, some spanning many; some fed as plain bytes.
    for (let at = 0; at < whole.length;) {
      const end = Math.min(whole.length, at + 1 + next(t % 2 ? 3000 : 140_000));
      const part = whole.subarray(at, end);
      if (next(5) === 0) addon!.pieceHasherUpdate(state, part);
      else addon!.pieceHasherAdd(state, addon!.filePiece(part, at, whole.length));
      at = end;
    }
    addon!.pieceHasherDigest(state, out);
    assert.equal(out.toString('hex'), Buffer.from(hash(whole)).toString('hex'), `size ${whole.length}, case ${t}`);
  }
});

test('a piece out of order, beyond its content or malformed is refused', () => {
  const data = specInput(10_000, 3);
  const state = addon!.pieceHasherNew();
  assert.throws(() => addon!.pieceHasherAdd(state, addon!.filePiece(data.subarray(5000), 5000, data.length)), /out of order/);
  assert.throws(() => addon!.filePiece(data, 1, data.length), /outside the content/);
  const piece = addon!.filePiece(data.subarray(0, 5000), 0, data.length);
  assert.throws(() => addon!.pieceHasherAdd(state, piece.subarray(0, piece.length - 1)), /malformed/);
  assert.throws(() => addon!.pieceHasherAdd(new Uint8Array(16), piece), /not a piece hasher state/);
});

test('with DV_NATIVE=0, a file big enough to be read ahead on a worker thread checks out and passes fsck', { timeout: 120_000 }, () => {
  // Over 16 MiB: its chunks come through the shared read-ahead ring, whose views the blake3
  // package's native code cannot hash (it crashed the process before they were copied).
  const big = Buffer.from(specInput(17 << 20, 11));
  const dir = makeRepo({ 'data/big.bin': big });
  dvOk(dir, ['add', 'data']);
  dvOk(dir, ['commit', '-m', 'big']);
  const env = { DV_NATIVE: '0' };
  const check = dv(dir, ['fsck'], { env });
  assert.equal(check.code, 0, check.stderr);
  fs.rmSync(path.join(dir, 'data/big.bin'));
  const co = dv(dir, ['checkout', '--', 'data/big.bin'], { env });
  assert.equal(co.code, 0, co.stderr);
  assert.ok(fs.readFileSync(path.join(dir, 'data/big.bin')).equals(big));
});
