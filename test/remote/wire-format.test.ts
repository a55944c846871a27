import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashBytes, oidFromBytes } from '../../src/hash/index.js';
import { decodeFrames, encodeFrames, FRAME_HEADER, readWireObjects, type WireObject } from '../../src/remote/index.js';
import { openRepository } from '../../src/repo/index.js';
import { RemoteError } from '../../src/errors/index.js';
import { dvOk, makeRepo, specInput } from '../helpers.js';

const data = specInput(300_000, 3);
const objects: WireObject[] = [0, 1, 37, 38, 39, 4096, 65_536, 100_000, 5].map((n, i) => ({
  id: hashBytes(data.subarray(i, i + n + 1)), kind: i % 3 === 0 ? 'blob' : i % 3 === 1 ? 'file' : 'tree', encoding: i % 2, payload: data.subarray(i * 7, i * 7 + n),
}));

async function* from<T>(items: T[]): AsyncGenerator<T> { for (const x of items) yield x; }

async function wire(): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of encodeFrames(from(objects), 50_000)) parts.push(b);
  return Buffer.concat(parts);
}

/** The stream cut into pieces of the given sizes, in turn. */
function pieces(bytes: Buffer, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    out.push(new Uint8Array(bytes.subarray(at, at + n)));
    at += n;
  }
  return out;
}

async function decodeAll(stream: Uint8Array[], maxPayload?: number): Promise<WireObject[]> {
  const out: WireObject[] = [];
  for await (const o of decodeFrames(from(stream), { maxPayload })) out.push(o);
  return out;
}

test('frames decode to what was encoded however the stream is cut: every frame boundary inside a header or a payload', async () => {
  const bytes = await wire();
  for (const sizes of [[bytes.length], [1], [7], [FRAME_HEADER - 1], [FRAME_HEADER], [FRAME_HEADER + 1], [4096, 13, 65_536], [100_001, 3]]) {
    const got = await decodeAll(pieces(bytes, sizes));
    assert.equal(got.length, objects.length, `pieces of ${sizes}`);
    got.forEach((o, i) => {
      const want = objects[i]!;
      assert.deepEqual({ id: o.id, kind: o.kind, encoding: o.encoding }, { id: want.id, kind: want.kind, encoding: want.encoding });
      assert.ok(Buffer.from(o.payload).equals(Buffer.from(want.payload)), `payload ${i} with pieces of ${sizes}`);
    });
  }
});

test('a payload filling much of one received piece is a view of it, not a copy; a small one or one that straddles pieces gets its own buffer', async () => {
  const stream = pieces(await wire(), [1000, 200_000]);
  const got = await decodeAll(stream);
  const pieceOf = (o: WireObject) => stream.find((p) => p.buffer === o.payload.buffer);
  const owned = (o: WireObject) => pieceOf(o) === undefined;
  got.forEach((o, i) => assert.ok(Buffer.from(o.payload).equals(Buffer.from(objects[i]!.payload)), `payload ${i}`));
  // The first piece (1,000 bytes) holds the first frames whole: 38 bytes of payload is under a quarter of it.
  assert.ok(got.slice(0, 4).every(owned), 'small payloads are copied');
  // 65,536 and 100,000 bytes fall inside the piece of 200,000 (the 5 bytes after them are copied); 4,096 straddles the first two pieces.
  const [p4096, p65536, p100000] = got.filter((o) => o.payload.length >= 4096);
  assert.ok(owned(p4096!), 'a straddling payload owns its buffer');
  assert.ok(pieceOf(p65536!) && pieceOf(p100000!), 'large payloads inside one piece are views of it');
  assert.ok(owned(got[8]!), 'a small payload inside a large piece is copied');
});

test('a cut-off stream, an oversized object and an unknown kind are refused, naming what is wrong', async () => {
  const bytes = await wire();
  await assert.rejects(decodeAll(pieces(bytes.subarray(0, bytes.length - 3), [999])), (e: unknown) => e instanceof RemoteError && /cut off \(\d+ stray bytes at its end\)/.test(e.message));
  await assert.rejects(decodeAll(pieces(bytes.subarray(0, FRAME_HEADER - 5), [10])), /cut off \(33 stray bytes/);
  await assert.rejects(decodeAll([bytes], 50_000), /exceeds the limit of 50000/);
  const bad = Buffer.from(bytes);
  bad[32] = 250;
  await assert.rejects(decodeAll([bad]), /unknown kind code 250/);
});

test('stored objects framed straight from their packs give the same stream as framing them one by one', async () => {
  const dir = makeRepo({
    'tiny.txt': 'x',
    'small.txt': 'hello\n'.repeat(30),
    'big.bin': Buffer.from(specInput(700_000, 9)),
    'text.csv': Array.from({ length: 40_000 }, (_, i) => `${i},${i % 17}`).join('\n'),
  });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'c']);
  const repo = openRepository(dir);
  try {
    const ids = [...repo.objects.env.objects.getKeys()].map((k) => oidFromBytes(k as Buffer));
    const packed = ids.filter((id) => repo.objects.locatePayload(id)!.loc).length;
    assert.ok(packed > 3 && packed < ids.length, `${packed} of ${ids.length} objects are in packs`);
    const oneByOne: Buffer[] = [];
    for await (const b of encodeFrames(from(await collect(readWireObjects(repo, ids))), 64 * 1024)) oneByOne.push(b);
    const sending = readWireObjects(repo, ids);
    // A target smaller than the largest payload: that frame gets a buffer of its own.
    const direct = [...sending.frames(64 * 1024)];
    assert.deepEqual(Buffer.concat(direct), Buffer.concat(oneByOne));
    assert.ok(direct.some((b) => b.length > 64 * 1024) && direct.length > 2);
    assert.equal(sending.bytes, (await collect(readWireObjects(repo, ids))).reduce((s, o) => s + o.payload.length, 0));
    const missing = hashBytes(Buffer.from('not stored'));
    assert.throws(() => [...readWireObjects(repo, [ids[0]!, missing]).frames(1024)], (e: Error) => e instanceof RemoteError && e.message.includes(missing));
  } finally {
    await repo.close();
  }
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}
