import { InvalidInputError } from '../errors/index.js';
import { shortOid, type Oid } from '../hash/index.js';

/** Commit → parents, for at least every ancestor of the bad and good commits. */
export type BisectGraph = ReadonlyMap<Oid, readonly Oid[]>;

/** The next step of a bisection, decided without touching the repository. */
export type BisectPlan =
  /** Test `commit` next. `candidates` commits may still be the first bad one; `steps` is roughly how many tests remain. */
  | { kind: 'test'; commit: Oid; candidates: number; steps: number }
  /** `commit` is the first bad commit. */
  | { kind: 'found'; commit: Oid }
  /** Only skipped commits are left: the first bad commit is one of `candidates`. */
  | { kind: 'only-skipped'; candidates: Oid[] };

/**
 * Picks the next commit to test, as git does: the candidates are the ancestors of `bad`
 * (itself included) that no good commit reaches, and the best one to test is the
 * candidate whose ancestors among them come closest to half, so either answer halves the
 * search. Merges count each ancestor once. Skipped commits stay candidates but are never
 * picked. Ties go to the commit nearest `bad`.
 */
export function planBisect(graph: BisectGraph, good: readonly Oid[], bad: Oid, skipped: readonly Oid[]): BisectPlan {
  const goodAncestry = ancestors(graph, good, new Set());
  if (goodAncestry.has(bad)) {
    throw new InvalidInputError(`the bad commit ${shortOid(bad)} is an ancestor of a good commit, so no commit can be the first bad one`, {
      data: { bad, good },
      hint: 'did you swap good and bad? a good commit must come before the bad one',
    });
  }
  // Children-first order (bad first), so ties prefer commits nearer bad, as git's list order does.
  const order = childrenFirst(graph, bad, goodAncestry);
  const candidates = new Set(order);
  const n = order.length;
  if (n === 1) return { kind: 'found', commit: bad };

  const reach = countAncestors(graph, order, candidates);
  const skip = new Set(skipped);
  let best: Oid | undefined;
  let bestScore = -1;
  for (const c of order) {
    if (c === bad || skip.has(c)) continue;
    const r = reach.get(c)!;
    const score = Math.min(r, n - r);
    if (score > bestScore) { best = c; bestScore = score; }
  }
  if (best === undefined) {
    return { kind: 'only-skipped', candidates: order.filter((c) => c === bad || skip.has(c)) };
  }
  return { kind: 'test', commit: best, candidates: n, steps: Math.ceil(Math.log2(n)) };
}

/** Every commit reachable from `starts` through parents (starts included), not entering `stop`. */
export function ancestors(graph: BisectGraph, starts: readonly Oid[], stop: ReadonlySet<Oid>): Set<Oid> {
  const seen = new Set<Oid>();
  const stack = starts.filter((s) => !stop.has(s));
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (seen.has(c)) continue;
    seen.add(c);
    for (const p of graph.get(c) ?? []) if (!seen.has(p) && !stop.has(p)) stack.push(p);
  }
  return seen;
}

/**
 * The ancestors of `bad` outside `stop`, every commit listed before its parents
 * (reverse post-order of a depth-first walk, iterative so long histories do not overflow).
 */
function childrenFirst(graph: BisectGraph, bad: Oid, stop: ReadonlySet<Oid>): Oid[] {
  const post: Oid[] = [];
  const state = new Map<Oid, 'open' | 'done'>();
  const stack: Array<{ id: Oid; next: number }> = [{ id: bad, next: 0 }];
  state.set(bad, 'open');
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const parents = graph.get(top.id) ?? [];
    if (top.next < parents.length) {
      const p = parents[top.next++]!;
      if (!stop.has(p) && !state.has(p)) { state.set(p, 'open'); stack.push({ id: p, next: 0 }); }
      continue;
    }
    state.set(top.id, 'done');
    post.push(top.id);
    stack.pop();
  }
  return post.reverse();
}

/**
 * For each candidate, how many candidates it reaches (itself included). A commit with one
 * candidate parent reaches one more than that parent; only merges need a walk.
 */
function countAncestors(graph: BisectGraph, order: readonly Oid[], candidates: ReadonlySet<Oid>): Map<Oid, number> {
  const reach = new Map<Oid, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const c = order[i]!;
    const parents = (graph.get(c) ?? []).filter((p) => candidates.has(p));
    const unique = [...new Set(parents)];
    if (unique.length === 0) reach.set(c, 1);
    else if (unique.length === 1) reach.set(c, reach.get(unique[0]!)! + 1);
    else reach.set(c, walkCount(graph, c, candidates));
  }
  return reach;
}

function walkCount(graph: BisectGraph, from: Oid, candidates: ReadonlySet<Oid>): number {
  const seen = new Set<Oid>([from]);
  const stack = [from];
  while (stack.length > 0) {
    for (const p of graph.get(stack.pop()!) ?? []) {
      if (candidates.has(p) && !seen.has(p)) { seen.add(p); stack.push(p); }
    }
  }
  return seen.size;
}
