import type { Oid } from '../hash/index.js';
import type { ObjectStore } from '../store/index.js';

/** Each commit's parents, for the commits a walk found. */
export type CommitHistory = Map<Oid, Oid[]>;

/** Gives a commit's parents, or undefined for an id that is not a commit known there. */
export type ParentsOf = (id: Oid) => Oid[] | undefined;

/**
 * The walk behind walkHistory, one step per commit found (into `out`), so a caller can
 * pause between steps.
 */
function* historySteps(parentsOf: ParentsOf, tips: Iterable<Oid>, stop: Iterable<Oid>, out: CommitHistory): Generator<void> {
  const skip = new Set(stop);
  const stack = [...tips];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (out.has(id) || skip.has(id)) continue;
    const parents = parentsOf(id);
    if (parents === undefined) continue;
    out.set(id, parents);
    stack.push(...parents);
    yield;
  }
}

/**
 * The commits reachable from `tips`, each with its parents, walking no further than the
 * ids in `stop` (commits the asking side already holds). An id `parentsOf` does not know
 * as a commit (a tag, a tree, an unknown id) is skipped: the object walk reaches what
 * lies under it.
 */
export function walkHistory(parentsOf: ParentsOf, tips: Iterable<Oid>, stop: Iterable<Oid>): CommitHistory {
  const out: CommitHistory = new Map();
  for (const _ of historySteps(parentsOf, tips, stop, out)) { /* each step adds a commit */ }
  return out;
}

/** parentsOf over the commits of a local store. */
function storeParents(objects: ObjectStore): ParentsOf {
  return (id) => (objects.kindOf(id) === 'commit' ? objects.readCommit(id).parents : undefined);
}

/** walkHistory over the commits of a local store. */
export function commitHistory(objects: ObjectStore, tips: Iterable<Oid>, stop: Iterable<Oid>): CommitHistory {
  return walkHistory(storeParents(objects), tips, stop);
}

/**
 * commitHistory that lets other work run every `slice` commits: a server answering for a
 * history of a million commits keeps serving its other clients meanwhile.
 */
export async function commitHistoryInSlices(objects: ObjectStore, tips: Iterable<Oid>, stop: Iterable<Oid>, slice = 4096): Promise<CommitHistory> {
  const out: CommitHistory = new Map();
  let steps = 0;
  for (const _ of historySteps(storeParents(objects), tips, stop, out)) {
    if (++steps % slice === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}
