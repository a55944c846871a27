import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openRepository } from '../../src/repo/index.js';
import { CorruptObjectError } from '../../src/errors/index.js';
import { BaseBuffers, ENCODING_DELTA, ENCODING_RAW, ENCODING_ZSTD, encodePayload, packPath, recordLocation, statedContentSize } from '../../src/store/index.js';
import { repoWithVersions } from '../helpers.js';
import { storedChunks } from './stored-chunks.js';

/** A CSV of `rows` rows; version `edit` > 0 rewrites every 50th row. */
function csv(rows: number, edit = 0): Buffer {
  const out: string[] = ['id,value,note'];
  for (let i = 0; i < rows; i++) out.push(`${i},${edit > 0 && i % 50 === 7 ? `v${edit}` : (i * 7919) % 100003},row ${(i * 31) % 977}`);
  return Buffer.from(out.join('\n') + '\n');
}

test('base buffers are handed out again once given back, each once; a buffer they did not hand out is left alone', () => {
  const buffers = new BaseBuffers();
  const a = buffers.take(100);
  assert.ok(a.length >= 256 * 1024, 'at least a chunk of room');
  const big = buffers.take(1_000_000);
  assert.ok(big.length >= 1_000_000);
  assert.notEqual(buffers.take(100).buffer, a.buffer, 'a buffer in use is not handed out');
  buffers.give(a.subarray(0, 10));
  buffers.give(a);
  assert.equal(buffers.take(100).buffer, a.buffer, 'given back: handed out again');
  assert.notEqual(buffers.take(100).buffer, a.buffer, 'given back twice, still handed out once');
  buffers.give(a);
  buffers.give(big);
  assert.equal(buffers.take(500_000).buffer, big.buffer, 'the first one large enough');
  const foreign = Buffer.alloc(300_000);
  buffers.give(foreign);
  assert.equal(buffers.take(200_000).buffer, a.buffer);
  assert.notEqual(buffers.take(200_000).buffer, foreign.buffer, 'a buffer from elsewhere is never handed out');
});

test('the size a payload states: a zstd frame and a delta say theirs, a raw payload or a broken frame says nothing', () => {
  const bytes = csv(5_000).subarray(0, 70_000);
  const zstd = encodePayload('blob', bytes, true);
  assert.equal(zstd.encoding, ENCODING_ZSTD);
  assert.equal(statedContentSize(zstd.encoding, zstd.payload), 70_000);
  assert.equal(statedContentSize(ENCODING_RAW, bytes), undefined);
  assert.equal(statedContentSize(ENCODING_ZSTD, bytes.subarray(0, 100)), undefined);
  assert.equal(statedContentSize(ENCODING_DELTA, Buffer.concat([Buffer.alloc(33, 1), zstd.payload])), 70_000);
});

test('delta bases decoded into base buffers are the bytes read without them, for plain and delta chunks; a damaged one is refused with the fsck hint and its buffer comes back', async () => {
  const v1 = csv(60_000);
  const v2 = csv(60_000, 1);
  const dir = repoWithVersions('data.csv', [v1, v2]);
  const repo = openRepository(dir);
  try {
    const buffers = new BaseBuffers();
    const plain = storedChunks(repo.objects, v1).filter((c) => c.encoding === ENCODING_ZSTD);
    const deltas = storedChunks(repo.objects, v2).filter((c) => c.encoding === ENCODING_DELTA);
    assert.ok(plain.length >= 3 && deltas.length >= 3, `chunks: ${plain.length} plain, ${deltas.length} deltas`);
    for (const c of [...plain, ...deltas]) {
      const into = repo.objects.deltaBase(c.id, buffers)!;
      const own = repo.objects.deltaBase(c.id)!;
      assert.ok(Buffer.from(into.bytes).equals(Buffer.from(own.bytes)), `chunk ${c.id}`);
      assert.equal(into.depth, own.depth);
      assert.equal(into.depth, c.encoding === ENCODING_DELTA ? 1 : 0);
      assert.ok(into.bytes.buffer.byteLength >= 256 * 1024, 'decoded into a base buffer');
      buffers.give(into.bytes);
    }
    const spare = buffers.take(0);
    buffers.give(spare);
    // Damage the second plain chunk in its pack.
    const rec = repo.objects.getRecord(plain[1]!.id)!;
    const loc = recordLocation(rec, plain[1]!.id)!;
    const file = packPath(path.join(dir, '.dv'), loc.pack);
    const fd = fs.openSync(file, 'r+');
    const at = loc.offset + Math.floor(loc.length / 2);
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, at);
    b[0] = b[0]! ^ 0x5a;
    fs.writeSync(fd, b, 0, 1, at);
    fs.closeSync(fd);
    assert.throws(() => repo.objects.deltaBase(plain[1]!.id, buffers), (e: unknown) => e instanceof CorruptObjectError && e.message.includes(plain[1]!.id) && /fsck/.test(e.hint ?? ''));
    assert.equal(buffers.take(0).buffer, spare.buffer, 'the buffer taken for the damaged base came back');
  } finally {
    await repo.close();
  }
});
