import type { Oid } from '../hash/index.js';
import type { ObjectStore } from '../store/index.js';
import type { BisectGraph } from './plan-bisect.js';

/** Reads commit → parents for every ancestor of `starts` (each commit read once, verified). */
export function loadBisectGraph(objects: ObjectStore, starts: readonly Oid[]): BisectGraph {
  const graph = new Map<Oid, Oid[]>();
  const stack = [...starts];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (graph.has(id)) continue;
    const parents = objects.readCommit(id).parents;
    graph.set(id, parents);
    for (const p of parents) if (!graph.has(p)) stack.push(p);
  }
  return graph;
}
