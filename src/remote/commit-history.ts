import type { Oid } from '../hash/index.js';
import type { ObjectStore } from '../store/index.js';

/** Each commit's parents, for the commits a walk found. */
export type CommitHistory = Map<Oid, Oid[]>;

/**
 * The commits reachable from `tips`, each with its parents, walking no further than the
 * ids in `stop` (commits the asking side already holds). Tips that are not commits held
 * here (tags, trees, unknown ids) are skipped: the object walk reaches what lies under them.
 */
export function commitHistory(objects: ObjectStore, tips: Iterable<Oid>, stop: Iterable<Oid>): CommitHistory {
  const out: CommitHistory = new Map();
  const skip = new Set(stop);
  const stack = [...tips];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (out.has(id) || skip.has(id)) continue;
    if (objects.kindOf(id) !== 'commit') continue;
    const parents = objects.readCommit(id).parents;
    out.set(id, parents);
    stack.push(...parents);
  }
  return out;
}
