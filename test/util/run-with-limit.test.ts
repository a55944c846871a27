import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWithLimit } from '../../src/util/index.js';

const tick = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

test('runWithLimit starts items in order and never has more than the limit unfinished', async () => {
  const started: number[] = [];
  let running = 0;
  let most = 0;
  await runWithLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    started.push(n);
    running++;
    most = Math.max(most, running);
    await tick(n % 3 === 0 ? 15 : 2);
    running--;
  });
  assert.deepEqual(started, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(most, 3);
  assert.equal(running, 0);
  // Items that finish synchronously run one after another.
  const seen: number[] = [];
  await runWithLimit([1, 2, 3], 2, (n) => { seen.push(n); });
  assert.deepEqual(seen, [1, 2, 3]);
});

test('runWithLimit: after a failure no new item starts, those under way finish, then the first failure is thrown', async () => {
  const started: number[] = [];
  const finished: number[] = [];
  await assert.rejects(
    runWithLimit([1, 2, 3, 4, 5, 6], 3, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('two failed');
      if (n === 3) throw new Error('three failed too');
      await tick(20);
      finished.push(n);
    }),
    /two failed/,
  );
  assert.deepEqual(started, [1, 2, 3]);
  assert.deepEqual(finished, [1]);
});
