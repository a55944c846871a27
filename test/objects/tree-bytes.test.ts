// Trees are written directly, without the general canonical encoder; the bytes (and so
// every tree id) must be exactly what that encoder gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalTreeBytes, compareNames, decodeObject, encodeTree, type TreeEntry } from '../../src/objects/index.js';
import { writeTreeBytes } from '../../src/objects/tree-bytes.js';
import type { Oid } from '../../src/hash/index.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

const KINDS: TreeEntry['kind'][] = ['file', 'exec', 'symlink', 'tree'];
const PIECES = ['a', 'Z', '0', '.', '-', '_', 'é', '€', '😀', ' ', 'data', 'part-000'];
/** Sizes at every msgpack integer boundary below 2^32. */
const SIZES = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 123_456_789];

function randomEntries(rand: () => number, n: number): TreeEntry[] {
  const names = new Set<string>();
  while (names.size < n) {
    const len = [1, 5, 11, 31, 32, 40, 255, 300][Math.floor(rand() * 8)]!;
    let name = '';
    while (name.length < len) name += PIECES[Math.floor(rand() * PIECES.length)];
    if (name !== '.' && name !== '..' && name !== '.dv') names.add(name);
  }
  return [...names].sort(compareNames).map((name) => ({
    name,
    kind: KINDS[Math.floor(rand() * KINDS.length)]!,
    id: Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('') as Oid,
    size: rand() < 0.5 ? SIZES[Math.floor(rand() * SIZES.length)]! : Math.floor(rand() * 2 ** 32),
  }));
}

test('directly written trees equal the canonical encoding, for every length of name and list and size of entry', () => {
  const rand = rng(7);
  for (const n of [0, 1, 2, 15, 16, 17, 100, 65535, 65536]) {
    const entries = randomEntries(rand, n);
    const direct = writeTreeBytes(entries);
    assert.ok(direct, `${n} entries are written directly`);
    assert.ok(direct.equals(canonicalTreeBytes(entries)), `${n} entries`);
    assert.deepEqual(decodeObject('tree', direct), { kind: 'tree', tree: { entries } });
  }
});

test('what is not written directly falls back to the canonical encoding', () => {
  const base: TreeEntry = { name: 'big.bin', kind: 'file', id: 'ab'.repeat(32) as Oid, size: 1 };
  for (const odd of [{ ...base, size: 2 ** 32 }, { ...base, size: 2 ** 40 + 3 }, { ...base, id: 'zz'.repeat(32) as Oid }, { ...base, id: 'ab' as Oid }]) {
    assert.equal(writeTreeBytes([odd]), undefined);
    assert.ok(encodeTree({ entries: [odd] }).equals(canonicalTreeBytes([odd])));
  }
});
