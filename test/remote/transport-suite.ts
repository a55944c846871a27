import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConflictError } from '../../src/errors/index.js';
import type { Oid } from '../../src/hash/index.js';
import { collectObjects, openRepositoryPath, readWireObjects, storeSource, type Transport, type WireObject } from '../../src/remote/index.js';
import type { Repository } from '../../src/repo/index.js';
import { ENCODING_DELTA } from '../../src/store/index.js';
import { makeSourceRepo } from './fixtures.js';

/** A fresh, empty (bare) remote behind a transport. */
export interface TransportFixture {
  transport: Transport;
  close(): Promise<void>;
}

async function toArray<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function* fromArray<T>(xs: T[]): AsyncGenerator<T> {
  for (const x of xs) yield x;
}

/** Polls until `check` holds (a server notices a dropped upload a moment after the client). */
async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The behaviour every transport (path, http, s3) must show. `open` makes a fresh empty
 * remote and returns a transport to it.
 */
export function transportSuite(name: string, open: () => Promise<TransportFixture>): void {
  describe(`transport: ${name}`, () => {
    let src: Repository;
    let v1: Oid;
    let main: Oid;

    before(() => {
      const { dir } = makeSourceRepo();
      src = openRepositoryPath(dir);
      v1 = src.refs.resolve('refs/tags/v1')!;
      main = src.refs.resolve('refs/heads/main')!;
    });
    after(async () => { await src.close(); });

    const collect = (t: Transport, tips: Oid[], known: Oid[] = []) =>
      collectObjects({ source: storeSource(src.objects), has: (ids) => t.hasObjects(ids), tips, known });

    test('an empty remote lists no refs', async () => {
      const f = await open();
      try {
        const { refs } = await f.transport.listRefs();
        assert.equal(refs.size, 0);
      } finally { await f.close(); }
    });

    test('objects sent, then refs moved; only new objects cross the second time, deltas included as deltas', async () => {
      const f = await open();
      const t = f.transport;
      try {
        const first = await collect(t, [v1]);
        assert.ok(first.ids.length > 5);
        await t.putObjects(readWireObjects(src, first.ids));
        assert.deepEqual(await t.hasObjects(first.ids), first.ids.map(() => true));
        await t.updateRefs([{ name: 'refs/heads/main', old: null, new: v1 }]);
        assert.equal((await t.listRefs()).refs.get('refs/heads/main'), v1);

        const second = await collect(t, [main], [v1]);
        // The corrected CSV: its new chunks and file object, two trees and a commit, not the whole file again.
        assert.ok(second.ids.length < first.ids.length, `${second.ids.length} objects sent again of ${first.ids.length}`);
        assert.ok(!second.ids.some((id) => first.ids.includes(id)), 'nothing the remote holds is sent again');
        const deltas = second.ids.filter((id) => src.objects.readPayload(id)!.encoding === ENCODING_DELTA);
        assert.ok(deltas.length > 0, 'the corrected chunks are stored as deltas');
        await t.putObjects(readWireObjects(src, second.ids));
        await t.updateRefs([{ name: 'refs/heads/main', old: v1, new: main }]);

        // What comes back is byte for byte what was stored, deltas still deltas.
        const back = await toArray(t.getObjects(deltas));
        assert.deepEqual(back.map((o) => o.id), deltas);
        for (const o of back) {
          const mine = src.objects.readPayload(o.id)!;
          assert.equal(o.encoding, ENCODING_DELTA);
          assert.equal(o.kind, mine.kind);
          assert.ok(Buffer.from(o.payload).equals(Buffer.from(mine.payload)));
        }
      } finally { await f.close(); }
    });

    test('history: the commits from the tips down to the stop ids, with their parents', async () => {
      const f = await open();
      const t = f.transport;
      try {
        assert.ok(t.history);
        assert.equal((await t.history([main], [])).size, 0, 'an empty remote knows no commits');
        const all = await collect(t, [main]);
        await t.putObjects(readWireObjects(src, all.ids));
        assert.deepEqual([...await t.history([main], [])], [[main, [v1]], [v1, []]]);
        assert.deepEqual([...await t.history([main], [v1])], [[main, [v1]]], 'the walk stops at what the asker holds');
        assert.deepEqual([...await t.history([main], [main])], []);
        const tree = src.objects.readCommit(main).tree;
        assert.deepEqual([...await t.history([tree, 'ab'.repeat(32) as Oid, v1], [])], [[v1, []]], 'a tree and an unknown id are skipped');
      } finally { await f.close(); }
    });

    test('ref updates are compare-and-swap and all-or-nothing', async () => {
      const f = await open();
      const t = f.transport;
      try {
        const all = await collect(t, [main]);
        await t.putObjects(readWireObjects(src, all.ids));
        await t.updateRefs([{ name: 'refs/heads/main', old: null, new: v1 }]);
        await assert.rejects(t.updateRefs([{ name: 'refs/heads/main', old: null, new: main }]), ConflictError);
        await assert.rejects(
          t.updateRefs([{ name: 'refs/heads/other', old: null, new: main }, { name: 'refs/heads/main', old: main, new: main }]),
          (err: Error) => err instanceof ConflictError && /refs\/heads\/main/.test(err.message),
        );
        const { refs } = await t.listRefs();
        assert.equal(refs.get('refs/heads/main'), v1);
        assert.equal(refs.has('refs/heads/other'), false, 'the first update of the failed pair did not happen');
        await t.updateRefs([{ name: 'refs/heads/main', old: v1, new: null }]);
        assert.equal((await t.listRefs()).refs.has('refs/heads/main'), false);
      } finally { await f.close(); }
    });

    test('a ref cannot point at an object the remote does not hold', async () => {
      const f = await open();
      try {
        await assert.rejects(f.transport.updateRefs([{ name: 'refs/heads/main', old: null, new: main }]), /not received|was not/);
        assert.equal((await f.transport.listRefs()).refs.size, 0);
      } finally { await f.close(); }
    });

    test('asking for an object the remote lacks is an error, not a silent gap', async () => {
      const f = await open();
      try {
        await assert.rejects(toArray(f.transport.getObjects([main])), /does not have/);
      } finally { await f.close(); }
    });

    test('bytes that do not match their id are refused and nothing of them is stored', async () => {
      const f = await open();
      const t = f.transport;
      try {
        const all = await collect(t, [v1]);
        const objs = await toArray(readWireObjects(src, all.ids));
        const victim = objs.findIndex((o) => o.kind === 'blob' && o.payload.length > 100);
        const bad = objs.slice(0, victim + 1).map((o, i) => {
          if (i !== victim) return o;
          const p = Buffer.from(o.payload);
          p[p.length >> 1]! ^= 0xff;
          return { ...o, payload: p };
        });
        await assert.rejects(t.putObjects(fromArray(bad)), /corrupt|does not|hash/);
        assert.deepEqual(await t.hasObjects([objs[victim]!.id]), [false]);
      } finally { await f.close(); }
    });

    test('an object sent before what it refers to is refused', async () => {
      const f = await open();
      const t = f.transport;
      try {
        const tree = src.objects.readCommit(v1).tree;
        const p = src.objects.readPayload(tree)!;
        await assert.rejects(t.putObjects(fromArray([{ id: tree, ...p }])), /before/);
        assert.deepEqual(await t.hasObjects([tree]), [false]);
      } finally { await f.close(); }
    });

    test('an interrupted upload keeps what arrived; the retry sends only the rest', async () => {
      const f = await open();
      const t = f.transport;
      try {
        const all = await collect(t, [v1]);
        const objs = await toArray(readWireObjects(src, all.ids));
        const half = Math.floor(objs.length / 2);
        async function* broken(): AsyncGenerator<WireObject> {
          for (const o of objs.slice(0, half)) yield o;
          // Let the first half reach the other side before the connection drops.
          await new Promise((r) => setTimeout(r, 200));
          throw new Error('connection lost');
        }
        await assert.rejects(t.putObjects(broken()));
        // A file object whose chunks did not all arrive is not stored; everything else that arrived is.
        const arrived = objs.slice(0, half).filter((o) => o.kind !== 'file');
        assert.ok(arrived.length > 0);
        await eventually(async () => (await t.hasObjects(arrived.map((o) => o.id))).every(Boolean));
        assert.equal((await t.listRefs()).refs.size, 0, 'no ref moved');
        const retry = await collect(t, [v1]);
        assert.ok(retry.ids.length <= objs.length - arrived.length, 'the retry sends only what did not arrive');
        assert.ok(!retry.ids.some((id) => arrived.some((o) => o.id === id)), 'nothing that arrived is sent again');
        await t.putObjects(readWireObjects(src, retry.ids));
        await t.updateRefs([{ name: 'refs/heads/main', old: null, new: v1 }]);
        assert.deepEqual(await t.hasObjects(all.ids), all.ids.map(() => true));
      } finally { await f.close(); }
    });
  });
}
