import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Oid } from '../../src/hash/index.js';
import { InvalidInputError } from '../../src/errors/index.js';
import { ancestors, planBisect, type BisectGraph } from '../../src/bisect/index.js';

const id = (name: string) => name as Oid;

/** A linear history c0 ← c1 ← … ← c(n-1). */
function linear(n: number): { graph: Map<Oid, Oid[]>; commits: Oid[] } {
  const commits = Array.from({ length: n }, (_, i) => id(`c${i}`));
  const graph = new Map(commits.map((c, i) => [c, i === 0 ? [] : [commits[i - 1]!]]));
  return { graph, commits };
}

/**
 * Runs a whole bisection: the test says "bad" exactly for commits that contain `culprit`.
 * Returns the outcome and the commits tested, in order.
 */
function simulate(graph: BisectGraph, good: Oid[], bad: Oid, culprit: Oid, skipWhen: (c: Oid) => boolean = () => false) {
  const goods = [...good];
  const skipped: Oid[] = [];
  let currentBad = bad;
  const tested: Oid[] = [];
  for (let i = 0; i < 100; i++) {
    const plan = planBisect(graph, goods, currentBad, skipped);
    if (plan.kind !== 'test') return { plan, tested };
    assert.ok(!tested.includes(plan.commit), `${plan.commit} is not tested twice`);
    tested.push(plan.commit);
    if (skipWhen(plan.commit)) skipped.push(plan.commit);
    else if (ancestors(graph, [plan.commit], new Set()).has(culprit)) currentBad = plan.commit;
    else goods.push(plan.commit);
  }
  throw new Error('bisection did not finish');
}

test('a linear history of 20 commits: the midpoint first, then halving', () => {
  const { graph, commits } = linear(20);
  const first = planBisect(graph, [commits[0]!], commits[19]!, []);
  assert.equal(first.kind, 'test');
  assert.equal(first.kind === 'test' && first.candidates, 19);
  // c9 and c10 split the 19 candidates 9/10 or 10/9; the tie goes to the one nearer bad.
  assert.equal(first.kind === 'test' && first.commit, 'c10');
});

test('every possible first bad commit of a linear history is found in at most ceil(log2(n)) tests', () => {
  const { graph, commits } = linear(20);
  for (let k = 1; k < 20; k++) {
    const { plan, tested } = simulate(graph, [commits[0]!], commits[19]!, commits[k]!);
    assert.deepEqual(plan, { kind: 'found', commit: commits[k] }, `culprit c${k}`);
    assert.ok(tested.length <= Math.ceil(Math.log2(19)), `c${k} took ${tested.length} tests`);
  }
});

test('a bad commit directly after a good one is found without testing', () => {
  const { graph, commits } = linear(3);
  assert.deepEqual(planBisect(graph, [commits[1]!], commits[2]!, []), { kind: 'found', commit: 'c2' });
});

test('a skipped commit is never picked again, and the culprit is still found around skips', () => {
  const { graph, commits } = linear(20);
  const skip = new Set(['c10', 'c5', 'c14'].map(id));
  for (let k = 1; k < 20; k++) {
    const culprit = commits[k]!;
    const { plan } = simulate(graph, [commits[0]!], commits[19]!, culprit, (c) => skip.has(c));
    if (plan.kind === 'found') assert.equal(plan.commit, culprit);
    else {
      assert.equal(plan.kind, 'only-skipped');
      // The culprit is skipped or right after a skipped run: it is among the listed candidates.
      assert.ok(plan.kind === 'only-skipped' && plan.candidates.includes(culprit), `culprit c${k} listed`);
    }
  }
});

test('when only skipped commits remain, they and the bad commit are the candidates', () => {
  const { graph, commits } = linear(6);
  const plan = planBisect(graph, [commits[1]!], commits[5]!, ['c2', 'c3', 'c4'].map(id));
  assert.equal(plan.kind, 'only-skipped');
  assert.deepEqual(plan.kind === 'only-skipped' && [...plan.candidates].sort(), ['c2', 'c3', 'c4', 'c5']);
});

test('merges: every commit of either branch can be found, and each is tested at most once', () => {
  //        b1 ─ b2 ─ b3
  //       /            \
  // r ─ a1 ─ a2 ─ a3 ─ m1 ─ a4 ─ m2 ─ a5
  //                          \   /
  //                           c1
  const graph = new Map<Oid, Oid[]>([
    ['r', []], ['a1', ['r']], ['a2', ['a1']], ['a3', ['a2']],
    ['b1', ['a1']], ['b2', ['b1']], ['b3', ['b2']],
    ['m1', ['a3', 'b3']], ['a4', ['m1']], ['c1', ['m1']], ['m2', ['a4', 'c1']], ['a5', ['m2']],
  ].map(([k, v]) => [id(k as string), (v as string[]).map(id)]));
  const candidates = [...ancestors(graph, [id('a5')], ancestors(graph, [id('r')], new Set()))];
  assert.equal(candidates.length, 11);
  for (const culprit of candidates) {
    const { plan, tested } = simulate(graph, [id('r')], id('a5'), culprit);
    assert.deepEqual(plan, { kind: 'found', commit: culprit });
    assert.ok(tested.length <= 5, `${culprit} took ${tested.length} tests`);
  }
  // The first pick splits the 11 candidates as evenly as the graph allows.
  const first = planBisect(graph, [id('r')], id('a5'), []);
  assert.equal(first.kind, 'test');
  const reach = ancestors(graph, [(first as { commit: Oid }).commit], new Set([id('r')])).size;
  assert.ok(Math.min(reach, 11 - reach) >= 4, `split ${reach}/${11 - reach}`);
});

test('a good commit on a side branch only removes what it reaches', () => {
  // r ─ a1 ─ a2 ─ m ; r ─ s1 ─ m ; good s1 leaves a1, a2 and m.
  const graph = new Map<Oid, Oid[]>([
    [id('r'), []], [id('a1'), [id('r')]], [id('a2'), [id('a1')]], [id('s1'), [id('r')]], [id('m'), [id('a2'), id('s1')]],
  ]);
  const plan = planBisect(graph, [id('s1')], id('m'), []);
  assert.equal(plan.kind === 'test' && plan.candidates, 3);
});

test('a bad commit that a good commit reaches is refused', () => {
  const { graph, commits } = linear(5);
  assert.throws(() => planBisect(graph, [commits[4]!], commits[1]!, []), (err: unknown) => {
    assert.ok(err instanceof InvalidInputError);
    assert.match(err.message, /ancestor of a good commit/);
    return true;
  });
});

test('long histories plan quickly (no quadratic walk on linear runs)', () => {
  const { graph, commits } = linear(100_000);
  const t = Date.now();
  const plan = planBisect(graph, [commits[0]!], commits.at(-1)!, []);
  assert.equal(plan.kind === 'test' && plan.commit, 'c50000');
  // Quadratic counting would take minutes here; linear takes well under a second.
  assert.ok(Date.now() - t < 10_000, `took ${Date.now() - t} ms`);
});
