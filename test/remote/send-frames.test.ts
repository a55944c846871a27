import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashBytes } from '../../src/hash/index.js';
import { decodeFrames, FRAME_BATCH_BYTES, FRAME_HEADER, FrameBuffers, sendFrames, writeFrameHeader, type Frameable, type FrameBufferSource, type WireObject } from '../../src/remote/index.js';

/** A payload whose every byte says which object it belongs to, so a buffer overwritten while queued shows. */
function payloadOf(n: number): Buffer {
  return Buffer.alloc(200_000 + (n % 7) * 10_000, n % 251);
}

/**
 * Objects that frame themselves into the buffers they are given, as StoredObjects does;
 * `took` counts buffers handed out, `fresh` those the source had to allocate.
 */
function source(count: number, fail?: number): AsyncIterable<WireObject> & Frameable & { took: Set<ArrayBufferLike> } {
  const took = new Set<ArrayBufferLike>();
  return {
    took,
    async *[Symbol.asyncIterator]() { throw new Error('framed only'); },
    *frames(target: number, buffers?: FrameBufferSource) {
      const take = (min: number) => { const b = buffers!.take(min); took.add(b.buffer); return b; };
      let buf = take(target);
      let pos = 0;
      for (let n = 0; n < count; n++) {
        if (n === fail) throw new Error(`object ${n} cannot be read`);
        const p = payloadOf(n);
        const size = FRAME_HEADER + p.length;
        if (pos + size > buf.length) { yield buf.subarray(0, pos); buf = take(size); pos = 0; }
        writeFrameHeader(buf, pos, hashBytes(p), 'blob', 0, p.length);
        p.copy(buf, pos + FRAME_HEADER);
        pos += size;
      }
      if (pos > 0) yield buf.subarray(0, pos);
    },
  };
}

/** A loopback server that reads each request body slowly (so the sender's socket backs up) and decodes it (a broken one to nothing). */
async function slowReceiver(): Promise<{ url: string; bodies: Promise<WireObject[]>[]; close: () => Promise<void> }> {
  const bodies: Promise<WireObject[]>[] = [];
  const server = http.createServer((req, res) => {
    bodies.push((async () => {
      const out: WireObject[] = [];
      let n = 0;
      for await (const o of decodeFrames(req)) {
        out.push(o);
        if (++n % 8 === 0) await sleep(5);
      }
      res.end('ok');
      return out;
    })().catch(() => []));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    bodies,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

function post(url: string, write: (req: http.ClientRequest) => Promise<boolean>): Promise<{ sent: Promise<boolean>; answer: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST' });
    const sent = write(req);
    req.on('error', reject);
    req.on('response', async (res) => {
      let answer = '';
      for await (const c of res) answer += c;
      resolve({ sent, answer });
    });
  });
}

test('sendFrames: 40 MB through a slow reader arrive intact, framed into a handful of reused buffers', async () => {
  const rx = await slowReceiver();
  try {
    const src = source(200);
    const { sent, answer } = await post(rx.url, (req) => sendFrames(req, src));
    assert.equal(await sent, true);
    assert.equal(answer, 'ok');
    const got = await rx.bodies[0]!;
    assert.equal(got.length, 200);
    got.forEach((o, n) => {
      assert.equal(o.id, hashBytes(payloadOf(n)), `object ${n} arrived as sent`);
      assert.deepEqual(Buffer.from(o.payload), payloadOf(n));
    });
    // About 40 batches went out through a handful of buffers.
    assert.ok(src.took.size <= 10, `${src.took.size} buffers for 200 objects`);
  } finally {
    await rx.close();
  }
});

test('sendFrames: a failure reading the objects rejects; a destination that closes early resolves false', async () => {
  const rx = await slowReceiver();
  try {
    const req = http.request(rx.url, { method: 'POST' });
    req.on('error', () => { /* destroyed below */ });
    await assert.rejects(sendFrames(req, source(100, 30)), /object 30 cannot be read/);
    req.destroy();
  } finally {
    await rx.close();
  }
  // A server that answers and hangs up before reading the body.
  const server = http.createServer((req, res) => { res.writeHead(403, { connection: 'close' }); res.end('no'); req.socket.destroy(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const req = http.request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'POST' });
    req.on('error', () => { /* the hang-up */ });
    assert.equal(await sendFrames(req, source(400)), false);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('FrameBuffers hands back spares of its size only, and a larger buffer when asked for one', () => {
  const buffers = new FrameBuffers(FRAME_BATCH_BYTES);
  const a = buffers.take();
  assert.equal(a.length, FRAME_BATCH_BYTES);
  buffers.give(a.subarray(0, 10));
  assert.equal(buffers.take().buffer, a.buffer, 'a spare is reused');
  const big = buffers.take(FRAME_BATCH_BYTES + 1);
  assert.equal(big.length, FRAME_BATCH_BYTES + 1);
  buffers.give(big);
  assert.notEqual(buffers.take().buffer, big.buffer, 'an odd size is not kept');
});
