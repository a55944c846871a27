import type { Oid } from '../hash/index.js';
import type { Commit } from '../objects/index.js';
import type { Repository } from '../repo/index.js';
import type { RepoPath } from '../util/index.js';
import { lookupPath } from './tree-walk.js';

/** What a history walk returns for each commit. */
export interface LogEntry {
  id: Oid;
  commit: Commit;
}

/** Options of walkCommits. */
export interface WalkOptions {
  /** Stop after this many commits (after path filtering). */
  limit?: number;
  /** Keep only commits that change at least one of these paths (files or directories). */
  paths?: RepoPath[];
}

interface Node {
  parents: Oid[];
  time: number;
  /** Children inside the walked set that have not been emitted yet. */
  pending: number;
}

/**
 * Commits reachable from `starts`, newest committer time first, never showing a commit
 * before any of its descendants (so clock skew cannot put a parent above its merge).
 * The reachable graph's headers are read first; that keeps the order exact for any
 * history at the cost of one pass over commit headers.
 */
export function* walkCommits(repo: Repository, starts: Oid[], opts: WalkOptions = {}): Generator<LogEntry> {
  const limit = opts.limit ?? Infinity;
  if (limit <= 0) return;
  const paths = opts.paths ?? [];
  // The root path matches every change, so it means "no filter".
  const filtered = paths.length > 0 && !paths.includes('' as RepoPath);
  const nodes = readGraph(repo, starts);
  const ready = new MaxHeap();
  for (const id of new Set(starts)) if (nodes.get(id)!.pending === 0) ready.push(id, nodes.get(id)!.time);
  const pathCache = new Map<Oid, Array<string | undefined>>();
  let emitted = 0;
  while (ready.size > 0) {
    const id = ready.pop();
    const node = nodes.get(id)!;
    for (const p of node.parents) {
      const parent = nodes.get(p)!;
      if (--parent.pending === 0) ready.push(p, parent.time);
    }
    const commit = repo.objects.readCommit(id);
    if (filtered && !changesPaths(repo, commit, paths, pathCache)) continue;
    yield { id, commit };
    if (++emitted >= limit) return;
  }
}

/** Reads every reachable commit's parents and time, counting each commit's children. */
function readGraph(repo: Repository, starts: Oid[]): Map<Oid, Node> {
  const nodes = new Map<Oid, Node>();
  const stack = [...starts];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (nodes.has(id)) continue;
    const c = repo.objects.readCommit(id);
    // A commit listing the same parent twice would otherwise be counted as two children.
    const parents = [...new Set(c.parents)];
    nodes.set(id, { parents, time: c.committer.ms, pending: 0 });
    for (const p of parents) if (!nodes.has(p)) stack.push(p);
  }
  for (const n of nodes.values()) for (const p of n.parents) nodes.get(p)!.pending++;
  return nodes;
}

/** True when some path's entry differs from its entry in every parent (a root commit: the path exists). */
function changesPaths(repo: Repository, commit: Commit, paths: RepoPath[], cache: Map<Oid, Array<string | undefined>>): boolean {
  const mine = entriesAt(repo, commit.tree, paths, cache);
  const theirs = commit.parents.map((p) => entriesAt(repo, repo.objects.readCommit(p).tree, paths, cache));
  return paths.some((_, i) => (theirs.length === 0 ? mine[i] !== undefined : theirs.every((t) => t[i] !== mine[i])));
}

/** A comparable key (kind and id) for each path in a tree, cached per tree id. */
function entriesAt(repo: Repository, tree: Oid, paths: RepoPath[], cache: Map<Oid, Array<string | undefined>>): Array<string | undefined> {
  let keys = cache.get(tree);
  if (!keys) {
    keys = paths.map((p) => {
      const e = lookupPath(repo.objects, tree, p);
      return e ? `${e.kind}:${e.id}` : undefined;
    });
    cache.set(tree, keys);
  }
  return keys;
}

/** A binary max-heap of ids by time; ties go to the id pushed first, as git does. */
class MaxHeap {
  private items: Array<{ id: Oid; time: number; seq: number }> = [];
  private seq = 0;

  get size(): number { return this.items.length; }

  push(id: Oid, time: number): void {
    const a = this.items;
    a.push({ id, time, seq: this.seq++ });
    let i = a.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.before(a[i]!, a[up]!)) break;
      [a[i], a[up]] = [a[up]!, a[i]!];
      i = up;
    }
  }

  pop(): Oid {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < a.length && this.before(a[l]!, a[best]!)) best = l;
        if (r < a.length && this.before(a[r]!, a[best]!)) best = r;
        if (best === i) break;
        [a[i], a[best]] = [a[best]!, a[i]!];
        i = best;
      }
    }
    return top.id;
  }

  private before(x: { time: number; seq: number }, y: { time: number; seq: number }): boolean {
    return x.time > y.time || (x.time === y.time && x.seq < y.seq);
  }
}
