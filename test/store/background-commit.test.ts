// A receiver commits in the background (the pack flushed on a libuv thread, the entries
// written once it is on disk) while it goes on adding: nothing may become visible before
// its bytes are durable, nothing in flight may be added twice, and a commit or flush in
// between must finish the one in flight itself.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { hashBytesRaw, oidFromBytes } from '../../src/hash/index.js';
import { initRepository } from '../../src/repo/index.js';
import { ENCODING_RAW, readGeneration } from '../../src/store/index.js';
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

test('objects added but not committed read back from the batch (staged, written out or in flight) without committing anything', async () => {
  const repo = initRepository(path.join(tmpDir(), 'r'), { bare: true });
  try {
    const batch = repo.objects.batch();
    const generation = readGeneration(repo.env);
    const [inFlight, written, small] = [blobs(1)[0]!, blobs(1)[0]!, { payload: Buffer.from('tiny') }];
    const smallRaw = hashBytesRaw(small.payload);
    batch.putPayload(inFlight.raw, { kind: 'blob', encoding: ENCODING_RAW, payload: inFlight.payload });
    batch.commitInBackground();
    batch.putPayload(written.raw, { kind: 'blob', encoding: ENCODING_RAW, payload: written.payload });
    batch.putPayload(smallRaw, { kind: 'blob', encoding: ENCODING_RAW, payload: small.payload });
    for (const [raw, payload] of [[inFlight.raw, inFlight.payload], [written.raw, written.payload], [smallRaw, small.payload]] as const) {
      const got = batch.pendingPayload(oidFromBytes(raw));
      assert.ok(got && Buffer.from(got.payload).equals(payload) && got.kind === 'blob' && got.encoding === ENCODING_RAW);
    }
    // A chain names the pack file and place of a pending payload, written out so other threads can read it there.
    const chain = batch.storedChain(oidFromBytes(written.raw))!;
    assert.equal(chain.length, 1);
    const fd = fs.openSync(chain[0]!.path, 'r');
    const back = Buffer.alloc(chain[0]!.length);
    fs.readSync(fd, back, 0, back.length, chain[0]!.offset);
    fs.closeSync(fd);
    assert.ok(back.equals(written.payload));
    assert.equal(batch.storedChain(oidFromBytes(smallRaw)), undefined, 'an inline payload has no place in a pack');
    assert.equal(batch.pendingPayload(oidFromBytes(blobs(1)[0]!.raw)), undefined, 'an id never added');
    assert.equal(repo.objects.has(oidFromBytes(written.raw)), false, 'nothing was committed by reading');
    batch.flush();
    assert.equal(batch.pendingPayload(oidFromBytes(written.raw)), undefined, 'once committed it is the store\'s');
    assert.ok(readGeneration(repo.env) > generation);
  } finally {
    await repo.close();
  }
});

test('putImported skips what the batch holds (pending or in flight) and writes the rest without asking the store', async () => {
  const repo = initRepository(path.join(tmpDir(), 'r'), { bare: true });
  try {
    const batch = repo.objects.batch();
    const [a, b, c] = blobs(3) as [ReturnType<typeof blobs>[0], ReturnType<typeof blobs>[0], ReturnType<typeof blobs>[0]];
    const put = (x: typeof a) => batch.putImported(oidFromBytes(x.raw), { kind: 'blob', encoding: ENCODING_RAW, payload: x.payload });
    put(a);
    batch.commitInBackground();
    put(a); // in flight
    put(b);
    put(b); // pending
    await until(() => repo.objects.has(oidFromBytes(a.raw)));
    batch.flush();
    assert.equal(batch.written, 2, 'each object written once');
    // Not asked: an object already stored is written again, and still reads back right.
    const again = repo.objects.batch();
    again.putImported(oidFromBytes(a.raw), { kind: 'blob', encoding: ENCODING_RAW, payload: a.payload });
    again.putImported(oidFromBytes(c.raw), { kind: 'blob', encoding: ENCODING_RAW, payload: c.payload });
    again.flush();
    assert.equal(again.written, 2);
    for (const x of [a, b, c]) assert.ok(repo.objects.readContentBuffer(oidFromBytes(x.raw)).equals(x.payload));
  } finally {
    await repo.close();
  }
});
