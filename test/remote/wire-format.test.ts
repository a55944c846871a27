import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashBytes } from '../../src/hash/index.js';
import { decodeFrames, encodeFrames, FRAME_HEADER, type WireObject } from '../../src/remote/index.js';
import { RemoteError } from '../../src/errors/index.js';
import { specInput } from '../helpers.js';

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

test('a decoded payload owns its bytes: reusing the received pieces does not change it', async () => {
  const stream = pieces(await wire(), [1000]);
  const got = await decodeAll(stream);
  for (const p of stream) p.fill(0xee);
  got.forEach((o, i) => assert.ok(Buffer.from(o.payload).equals(Buffer.from(objects[i]!.payload))));
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
