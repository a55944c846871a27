// A fetch holds a writer lease while objects arrive that no ref reaches yet: gc run
// meanwhile must refuse rather than sweep them, and the fetch then completes whole.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConflictError } from '../../src/errors/index.js';
import { fsck, gc } from '../../src/maintenance/index.js';
import { PathTransport, fetchFrom, type Transport, type WireObject } from '../../src/remote/index.js';
import { initRepository } from '../../src/repo/index.js';
import { commitOnHead, newRepo } from '../maintenance/build.js';
import { tmpDir } from '../helpers.js';

/** A path transport whose object stream stops half-way until `resume` is called. */
function pausingTransport(dir: string): { transport: Transport; paused: Promise<void>; resume: () => void } {
  const inner = PathTransport.open(dir);
  let resume!: () => void;
  let reached!: () => void;
  const paused = new Promise<void>((r) => { reached = r; });
  const go = new Promise<void>((r) => { resume = r; });
  const transport: Transport = {
    listRefs: () => inner.listRefs(),
    hasObjects: (ids) => inner.hasObjects(ids),
    putObjects: (objects) => inner.putObjects(objects),
    updateRefs: (updates, who) => inner.updateRefs(updates, who),
    close: () => inner.close(),
    async *getObjects(ids): AsyncGenerator<WireObject> {
      let n = 0;
      for await (const o of inner.getObjects(ids)) {
        if (++n === Math.ceil(ids.length / 2) && ids.length > 1) { reached(); await go; }
        yield o;
      }
    },
  };
  return { transport, paused, resume };
}

test('gc refuses while a fetch is bringing objects in, and the fetch completes whole', async () => {
  const { dir: src, repo: source } = newRepo();
  for (let i = 0; i < 3; i++) commitOnHead(source, { 'a.csv': `${i}\n`, [`f${i}.csv`]: 'x,y\n'.repeat(100 + i) }, `c${i}`);
  await source.close();
  const repo = initRepository(path.join(tmpDir(), 'dest'), { bare: true });
  const { transport, paused, resume } = pausingTransport(src);
  try {
    const fetching = fetchFrom(repo, transport, { name: 'origin', url: src });
    await paused;
    await assert.rejects(gc(repo, { retries: 1, retryDelayMs: 5 }), (err) => err instanceof ConflictError && /another dv process is writing/.test(err.message));
    resume();
    const r = await fetching;
    assert.ok(r.objects > 0);
    assert.equal(fsck(repo).ok, true);
    // Once the refs reach everything, gc has nothing to take.
    assert.equal((await gc(repo)).removed, 0);
  } finally {
    await transport.close();
    await repo.close();
  }
});
