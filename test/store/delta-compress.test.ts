// Delta compression: the native addon's prefix-referencing frames and zstd-napi's
// dictionary frames (without the addon) must both decode against their base as a
// raw-content dictionary, as every reader of a delta does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { nativeAddon } from '../../src/native/index.js';
import { applyDelta, encodeDelta } from '../../src/store/index.js';
import { specInput } from '../helpers.js';

/** A CSV-like chunk of about `n` bytes, and a copy with `edits` rows changed in place. */
function chunkPair(n: number, edits: number, seed: number): { base: Buffer; next: Buffer } {
  const rows: string[] = [];
  let s = seed;
  for (let size = 0; size < n; size += rows[rows.length - 1]!.length + 1) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    rows.push(`${rows.length},2026-01-01T00:00:${String(s % 60).padStart(2, '0')}Z,r${s % 13},${s % 100000},note ${s % 997}`);
  }
  const base = Buffer.from(rows.join('\n') + '\n');
  for (let k = 0; k < edits; k++) rows[Math.floor(((k + 0.5) * rows.length) / edits)] += ',corrected';
  return { base, next: Buffer.from(rows.join('\n') + '\n') };
}

const DELTA_HEADER = 33;

test('a delta of an edited chunk is small and decodes against its base', () => {
  for (const [n, edits, seed] of [[75_000, 5, 1], [200_000, 40, 2], [4_096, 1, 3], [600_000, 3, 4]] as const) {
    const { base, next } = chunkPair(n, edits, seed);
    const baseId = Buffer.alloc(32, seed);
    const delta = encodeDelta(next, base, baseId, 2);
    assert.ok(delta, `a delta for ${n} bytes with ${edits} edits`);
    assert.equal(delta.payload[0], 3, 'depth is one more than the base');
    assert.deepEqual(Buffer.from(delta.payload.subarray(1, DELTA_HEADER)), baseId);
    assert.ok(delta.payload.length < next.length / 20, `${delta.payload.length} B for ${next.length} B with ${edits} edits`);
    assert.ok(Buffer.from(applyDelta(delta.payload, base, 'x')).equals(next), `round trip of ${n} bytes`);
  }
});

test('no delta against an unrelated base, or past the deepest chain', () => {
  const { base } = chunkPair(50_000, 0, 5);
  assert.equal(encodeDelta(specInput(50_000, 9), base, Buffer.alloc(32), 0), undefined, 'random bytes do not shrink against CSV');
  assert.equal(encodeDelta(base, base, Buffer.alloc(32), 8), undefined, 'depth 9 is past MAX_DELTA_DEPTH');
});

test('without the addon, deltas are made by zstd-napi and decode the same way', () => {
  const script = `
    import { applyDelta, encodeDelta } from './src/store/index.js';
    import { nativeAddon } from './src/native/index.js';
    const rows = []; let s = 7;
    for (let i = 0; i < 2000; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; rows.push(i + ',' + (s % 100000) + ',r' + (s % 13)); }
    const base = Buffer.from(rows.join('\\n'));
    rows[500] += ',corrected';
    const next = Buffer.from(rows.join('\\n'));
    const d = encodeDelta(next, base, Buffer.alloc(32, 1), 0);
    console.log(JSON.stringify({ native: nativeAddon() !== undefined, size: d.payload.length, same: Buffer.from(applyDelta(d.payload, base, 'x')).equals(next) }));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, DV_NATIVE: '0' } });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { native: boolean; size: number; same: boolean };
  assert.equal(out.native, false, 'DV_NATIVE=0 runs without the addon');
  assert.ok(out.same, 'the fallback delta decodes to the new bytes');
  assert.ok(out.size < 1000, `fallback delta of one edited row: ${out.size} B`);
});

test('the native delta compressor refuses bad arguments and says when the output does not fit', { skip: !nativeAddon() && 'no native addon here' }, () => {
  const addon = nativeAddon()!;
  const { base, next } = chunkPair(20_000, 2, 6);
  const out = Buffer.alloc(next.length + 1024);
  const n = addon.deltaCompress(next, base, 1, 16, 19, out);
  assert.ok(n > 0 && n < 2000, `frame of ${n} B`);
  assert.ok(Buffer.from(applyDelta(Buffer.concat([Buffer.alloc(DELTA_HEADER), out.subarray(0, n)]), base, 'x')).equals(next));
  assert.equal(addon.deltaCompress(next, base, 1, 16, 19, Buffer.alloc(4)), -1, 'an output buffer too small');
  assert.throws(() => addon.deltaCompress('text' as unknown as Uint8Array, base, 1, 16, 19, out), /Uint8Array/);
  assert.throws(() => addon.deltaCompress(next, base, 1, 99, 19, out), /out of bound/i, 'a hash log zstd does not take');
  assert.throws(() => (addon.deltaCompress as (...a: unknown[]) => number)(next, base), /expected bytes, a base/);
});
