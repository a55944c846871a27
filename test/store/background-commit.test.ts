// A receiver commits in the background (the pack flushed on a libuv thread, the entries
// written once it is on disk) while it goes on adding: nothing may become visible before
// its bytes are durable, nothing in flight may be added twice, and a commit or flush in
// between must finish the one in flight itself.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { hashBytesRaw, oidFromBytes } from '../../src/hash/index.js';
import { initRepository } from '../../src/repo/index.js';
import { ENCODING_RAW } from '../../src/store/index.js';
import { tmpDir } from '../helpers.js';

function blobs(n: number): Array<{ raw: Buffer; payload: Buffer }> {
  return Array.from({ length: n }, () => {
    const payload = crypto.randomBytes(20_000);
    return { raw: hashBytesRaw(payload), payload };
  });
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
}

test('a background commit becomes visible once on disk, and an object in flight is not added again', async () => {
  const repo = initRepository(path.join(tmpDir(), 'r'), { bare: true });
  try {
    const batch = repo.objects.batch();
    const first = blobs(5);
    for (const b of first) batch.putPayload(b.raw, { kind: 'blob', encoding: ENCODING_RAW, payload: b.payload });
    batch.commitInBackground();
    assert.equal(repo.objects.has(oidFromBytes(first[0]!.raw)), false, 'not visible before the pack is flushed');
    // Added again while in flight: skipped, as a pending object is.
    batch.putPayload(first[0]!.raw, { kind: 'blob', encoding: ENCODING_RAW, payload: first[0]!.payload });
    const more = blobs(3);
    for (const b of more) batch.putPayload(b.raw, { kind: 'blob', encoding: ENCODING_RAW, payload: b.payload });
    await until(() => repo.objects.has(oidFromBytes(first[4]!.raw)));
    for (const b of first) assert.ok(repo.objects.readContentBuffer(oidFromBytes(b.raw)).equals(b.payload));
    assert.equal(repo.objects.has(oidFromBytes(more[0]!.raw)), false, 'what came after waits for the next commit');
    batch.flush();
    assert.equal(batch.written, 8, 'each object written once');
    for (const b of more) assert.ok(repo.objects.readContentBuffer(oidFromBytes(b.raw)).equals(b.payload));
  } finally {
    await repo.close();
  }
});

test('a flush while a background commit is in flight finishes it at once, and the background leaves it be', async () => {
  const repo = initRepository(path.join(tmpDir(), 'r'), { bare: true });
  try {
    const batch = repo.objects.batch();
    const all = blobs(4);
    for (const b of all.slice(0, 2)) batch.putPayload(b.raw, { kind: 'blob', encoding: ENCODING_RAW, payload: b.payload });
    batch.commitInBackground();
    for (const b of all.slice(2)) batch.putPayload(b.raw, { kind: 'blob', encoding: ENCODING_RAW, payload: b.payload });
    batch.flush();
    for (const b of all) assert.ok(repo.objects.has(oidFromBytes(b.raw)), 'visible right after the flush');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(batch.written, 4, 'the background callback wrote nothing more');
  } finally {
    await repo.close();
  }
});
