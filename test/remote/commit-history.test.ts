import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Oid } from '../../src/hash/index.js';
import { commitHistory, commitHistoryInSlices } from '../../src/remote/index.js';
import { commitOn, newRepo } from '../history/fixtures.js';

test('a history walked in slices is the same walk, and other work runs between the slices', async () => {
  const repo = newRepo();
  try {
    const chain: Oid[] = [];
    for (let i = 0; i < 50; i++) chain.push(commitOn(repo, { 'n.txt': `${i}\n` }, `c${i}`));
    const side = commitOn(repo, { 'side.txt': 'x\n' }, 'side', 'side');
    const tips = [chain.at(-1)!, side];
    const stop = [chain[9]!];

    let ticks = 0;
    let ticking = true;
    const tick = (): void => { if (!ticking) return; ticks++; setImmediate(tick); };
    setImmediate(tick);
    const sliced = await commitHistoryInSlices(repo.objects, tips, stop, 10);
    ticking = false;

    assert.deepEqual([...sliced], [...commitHistory(repo.objects, tips, stop)]);
    assert.equal(sliced.size, 40 + 1, 'the main line down to the stop id, and the side commit');
    assert.ok(ticks >= 3, `other work ran ${ticks} times during the walk`);
  } finally { await repo.close(); }
});
