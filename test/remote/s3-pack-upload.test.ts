import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Oid } from '../../src/hash/index.js';
import { hashBytes } from '../../src/hash/index.js';
import { PackBuilder, PackUploader, type PackContents, type PackSink } from '../../src/remote/s3/s3-pack-upload.js';
import { decodePackIndex, type PackEntry } from '../../src/remote/s3/index.js';
import { ENCODING_RAW } from '../../src/store/index.js';

/** A sink whose pack bodies finish when the test says, recording what happened in order. */
function controlledSink(failPack?: number) {
  const events: string[] = [];
  const bodies: Array<{ n: number; finish: () => void; fail: (e: Error) => void }> = [];
  const names = new Map<string, number>();
  let inFlight = 0;
  let most = 0;
  const sink: PackSink = {
    putPack(name) {
      const n = names.size;
      names.set(name, n);
      inFlight++;
      most = Math.max(most, inFlight);
      events.push(`body ${n} started`);
      return new Promise<void>((resolve, reject) => {
        bodies.push({ n, finish: () => { inFlight--; events.push(`body ${n} up`); resolve(); }, fail: (e) => { inFlight--; reject(e); } });
      });
    },
    async putIndex(name, index) {
      const map = new Map<Oid, PackEntry>();
      decodePackIndex(name, index, map);
      events.push(`index ${names.get(name)} (${map.size} objects)`);
    },
    indexed(p: PackContents) { events.push(`held ${names.get(p.name)}`); },
  };
  return { sink, events, bodies, most: () => most, failPack };
}

function blob(text: string) {
  const payload = Buffer.from(text);
  return { id: hashBytes(payload) as Oid, kind: 'blob' as const, encoding: ENCODING_RAW, payload };
}

const tick = () => new Promise((r) => setImmediate(r));

test('packs upload side by side, at most `limit` at once, but their indexes are written in push order', async () => {
  const c = controlledSink();
  const up = new PackUploader(c.sink, 2);
  const b = new PackBuilder();
  const objs = [0, 1, 2].map((i) => blob(`object ${i}\n`));
  b.add(objs[0]!);
  await up.upload(b);
  assert.equal(up.get(objs[0]!.id)?.id, objs[0]!.id, 'an object uploading is found by id');
  b.add(objs[1]!);
  await up.upload(b);
  // The third must wait for a slot: it starts only once the first is held.
  b.add(objs[2]!);
  const third = up.upload(b);
  await tick();
  assert.deepEqual(c.events, ['body 0 started', 'body 1 started']);
  c.bodies[1]!.finish();
  await tick();
  assert.ok(!c.events.some((e) => e.startsWith('index 1')), 'the second index waits for the first');
  c.bodies[0]!.finish();
  await third;
  c.bodies[2]!.finish();
  await up.finish();
  const at = (e: string) => c.events.indexOf(e);
  assert.deepEqual(c.events.filter((e) => /^(index|held)/.test(e)), ['index 0 (1 objects)', 'held 0', 'index 1 (1 objects)', 'held 1', 'index 2 (1 objects)', 'held 2']);
  assert.ok(at('body 1 up') < at('body 0 up') && at('body 0 up') < at('index 0 (1 objects)'), 'an index is written once its body is up');
  assert.ok(at('held 0') < at('body 2 started'), 'the third body started once a slot was free');
  assert.equal(c.most(), 2);
});

test('a failed pack upload fails the push, and no later pack gets an index (held stays a prefix)', async () => {
  const c = controlledSink();
  const up = new PackUploader(c.sink, 3);
  const b = new PackBuilder();
  for (let i = 0; i < 3; i++) {
    b.add(blob(`object ${i}\n`));
    await up.upload(b);
  }
  c.bodies[2]!.finish();
  c.bodies[1]!.fail(new Error('connection reset'));
  c.bodies[0]!.finish();
  await assert.rejects(up.finish(), /connection reset/);
  assert.deepEqual(c.events.filter((e) => e.startsWith('index')), ['index 0 (1 objects)']);
  await up.settle();
});
