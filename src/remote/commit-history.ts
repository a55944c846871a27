import type { Oid } from '../hash/index.js';
import type { ObjectStore } from '../store/index.js';

/** Each commit's parents, for the commits a walk found. */
export type CommitHistory = Map<Oid, Oid[]>;

/**
 * The commits reachable from `tips`, each with its parents, walking no further than the
 * ids in `stop` (commits the asking side already holds). `parentsOf` is undefined for an
 * id that is not a commit known here (a tag, a tree, an unknown id): it is skipped, and
 * the object walk reaches what lies under it.
 */
export function walkHistory(parentsOf: (id: Oid) => Oid[] | undefined, tips: Iterable<Oid>, stop: Iterable<Oid>): CommitHistory {
  const out: CommitHistory = new Map();
  const skip = new Set(stop);
  const stack = [...tips];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (out.has(id) || skip.has(id)) continue;
    const parents = parentsOf(id);
    if (parents === undefined) continue;
    out.set(id, parents);
    stack.push(...parents);
  }
  return out;
}

/** walkHistory over the commits of a local store. */
export function commitHistory(objects: ObjectStore, tips: Iterable<Oid>, stop: Iterable<Oid>): CommitHistory {
  return walkHistory((id) => (objects.kindOf(id) === 'commit' ? objects.readCommit(id).parents : undefined), tips, stop);
}
