// Pins the encodings and ids printed in spec/objects.md. A failure here means the
// object format changed: update the spec and the format version together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCanonical } from '../src/codec/index.js';
import { hashBytes } from '../src/hash/index.js';
import { chunkFingerprint } from '../src/store/index.js';
import { encodeCommit, encodeFileObject, encodeTag, encodeTree, KIND_CODES, type Signature } from '../src/objects/index.js';

const hello = Buffer.from('hello\n');
const helloId = hashBytes(hello);
const sig: Signature = { name: 'Ada', email: 'ada@example.org', ms: 1736929800000, tz: 60 };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('content ids are BLAKE3 of the bytes', () => {
  assert.equal(helloId, '8e4c7c1b99dbfd50e7a95185fead5ee1448fa904a2fdd778eaf5f2dbfd629a99');
  assert.equal(hashBytes(new Uint8Array(0)), 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
});

test('canonical msgpack: sorted keys, undefined dropped, shortest headers, int64 from 2^32', () => {
  assert.equal(hex(encodeCanonical({ b: 1, a: 2, c: undefined as never, n: null })), '83a16102a16201a16ec0');
  const ints: Array<[number, string]> = [
    [127, '7f'], [128, 'cc80'], [65536, 'ce00010000'], [2 ** 32 - 1, 'ceffffffff'], [2 ** 32, 'd30000000100000000'],
    [-32, 'e0'], [-33, 'd0df'], [-(2 ** 31), 'd280000000'], [-(2 ** 31) - 1, 'd3ffffffff7fffffff'],
    [-(2 ** 32), 'd3ffffffff00000000'], [1.5, 'cb3ff8000000000000'],
  ];
  for (const [v, want] of ints) assert.equal(hex(encodeCanonical(v)), want, String(v));
  assert.equal(hex(encodeCanonical('a'.repeat(31))).slice(0, 2), 'bf');
  assert.equal(hex(encodeCanonical('a'.repeat(32))).slice(0, 4), 'd920');
  assert.equal(hex(encodeCanonical(Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i])))).slice(0, 6), 'de0010');
  assert.equal(hex(encodeCanonical(new Uint8Array(3))), 'c403000000');
});

test('tree, commit, tag and file vectors', () => {
  const tree = encodeTree({ entries: [
    { name: 'b.csv', kind: 'file', id: helloId, size: 6 },
    { name: 'a.sh', kind: 'exec', id: helloId, size: 6 },
  ] });
  assert.equal(hex(tree), `82a1659294a4612e7368a178c420${helloId}0694a5622e637376a166c420${helloId}06a174a474726565`);
  const treeId = hashBytes(tree);
  assert.equal(treeId, '4eb861343f3e418a2d6fab263031821dff278d93e68a5047a7581cfbc8ffb4bf');
  const rootId = hashBytes(encodeTree({ entries: [{ name: 'data', kind: 'tree', id: treeId, size: 12 }] }));
  assert.equal(rootId, 'd0886b5034d4716f4e00a4c8476710a2505a532790640685e45f78f816e8863e');
  const commit = encodeCommit({ tree: rootId, parents: [], author: sig, committer: sig, message: 'first\n', meta: {} });
  const sigHex = '84a5656d61696caf616461406578616d706c652e6f7267a26d73d30000019469156f40a46e616d65a3416461a2747a3c';
  assert.equal(hex(commit), `87a6617574686f72${sigHex}a9636f6d6d6974746572${sigHex}a76d657373616765a666697273740aa46d65746180a7706172656e747390a174a6636f6d6d6974a474726565c420${rootId}`);
  const commitId = hashBytes(commit);
  assert.equal(commitId, '2ec677acbfbfe9adfcdec690217874195a224fad25fbc35b91bbce8b05bfc0d2');
  const tag = encodeTag({ object: commitId, objectKind: 'commit', name: 'v1', tagger: sig, message: 'release\n' });
  assert.equal(hashBytes(tag), '74d3c549bd1eb24d4fd197cd49da3bcdb9d5381247746f5e20f561c82104af39');
  const file = encodeFileObject({ size: 12, chunks: [{ id: helloId, size: 6 }, { id: helloId, size: 6 }] });
  assert.equal(hex(file), `83a1639292c420${helloId}0692c420${helloId}06a1730ca174a466696c65`);
});

test('chunk fingerprints: the algorithm spec/objects.md gives, reimplemented independently', () => {
  const specFp = (c: Uint8Array) => {
    let a = 0x811c9dc5n;
    let b = 0x01000193n;
    for (const x of c.subarray(0, 64)) {
      const old = b;
      a = ((a ^ BigInt(x)) * 0x01000193n) & 0xffffffffn;
      b = (((b ^ BigInt(x)) * 0x01000193n) & 0xffffffffn) ^ (old >> 15n);
    }
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  };
  const inputs = [hello, Uint8Array.from({ length: 100 }, (_, i) => i), new Uint8Array(0), new Uint8Array(64).fill(255)];
  for (const c of inputs) assert.equal(chunkFingerprint(c), specFp(c));
  assert.equal(chunkFingerprint(hello), 'f8934173522890b4');
  assert.equal(chunkFingerprint(Uint8Array.from({ length: 100 }, (_, i) => i)), '6d3a0905086165b3');
  const fp = chunkFingerprint(hello);
  const file = encodeFileObject({ size: 12, chunks: [{ id: helloId, size: 6, fp }, { id: helloId, size: 6, fp }] });
  assert.equal(hex(file), `83a1639293c420${helloId}06c408${fp}93c420${helloId}06c408${fp}a1730ca174a466696c65`);
});

test('kind codes', () => {
  assert.deepEqual({ ...KIND_CODES }, { blob: 1, file: 2, tree: 3, commit: 4, tag: 5, run: 6, experiment: 7, incident: 8 });
});

test('entry names sort in UTF-8 byte order: ASCII, accents, characters past the surrogates and astral ones', async () => {
  const { compareNames } = await import('../src/objects/index.js');
  const alphabet = ['a', 'b', 'A', '.', '-', '_', '0', 'é', 'ß', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffee', '\ufffd', '😀', '𝄞', '\u{10ffff}'];
  const names: string[] = [''];
  let s = 7;
  for (let i = 0; i < 3000; i++) {
    let name = '';
    const len = 1 + (i % 5);
    for (let k = 0; k < len; k++) { s = (s * 1103515245 + 12345) >>> 0; name += alphabet[s % alphabet.length]; }
    names.push(name);
  }
  const bytesOrder = (x: string, y: string) => Buffer.compare(Buffer.from(x), Buffer.from(y));
  for (let i = 1; i < names.length; i++) {
    for (const [x, y] of [[names[i - 1]!, names[i]!], [names[i]!, names[i]!], [names[i]!, names[i]! + 'a'], [names[i]!, names[(i * 31) % names.length]!]] as const) {
      assert.equal(Math.sign(compareNames(x, y)), bytesOrder(x, y), `${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
    }
  }
  // Where UTF-16 order and UTF-8 order disagree: U+E000 sorts before U+1F600 in bytes.
  assert.ok(compareNames('\ue000', '😀') < 0 && compareNames('😀', '\ue000') > 0);
});
