import type { Oid } from '../hash/index.js';
import { compareNames, type EntryKind, type TreeEntry } from '../objects/index.js';
import type { ObjectStore } from '../store/index.js';
import { isUnder, joinRepoPath, type RepoPath } from '../util/index.js';

/** A leaf's state on one side of a diff. */
export interface EntryState {
  id: Oid;
  kind: Exclude<EntryKind, 'tree'>;
  size: number;
}

/**
 * How a path changed. A change between a regular and an executable file is `modified`
 * (as git reports a mode change); one involving a symlink is `type-changed`. A file
 * replaced by a directory is a deletion plus additions.
 */
export type ChangeStatus = 'added' | 'deleted' | 'modified' | 'type-changed';

/** One changed path: `old` is absent for additions, `new` for deletions. */
export interface FileChange {
  path: RepoPath;
  status: ChangeStatus;
  old?: EntryState;
  new?: EntryState;
}

/** Options of the diff functions. */
export interface DiffOptions {
  /** Only report changes at or under these paths. */
  paths?: RepoPath[];
}

/**
 * File-level changes from tree `from` to tree `to` (null: the empty tree), in path
 * order. Subtrees with equal ids are skipped unread, so the cost follows the size of
 * the change, not of the trees.
 */
export function diffTrees(objects: ObjectStore, from: Oid | null, to: Oid | null, opts: DiffOptions = {}): FileChange[] {
  return [...iterateTreeDiff(objects, from, to, opts)];
}

/** The streaming form of diffTrees. */
export function* iterateTreeDiff(objects: ObjectStore, from: Oid | null, to: Oid | null, opts: DiffOptions = {}): Generator<FileChange> {
  const filter = pathFilter(opts.paths);
  if (from === to) return;
  yield* diffLevel(objects, from, to, '' as RepoPath, filter);
}

/**
 * File-level changes between two flat maps path → leaf (an index, a scanned working
 * tree, a flattened tree), in the same order and with the same rules as diffTrees.
 */
export function diffEntryMaps(from: ReadonlyMap<RepoPath, EntryState>, to: ReadonlyMap<RepoPath, EntryState>, opts: DiffOptions = {}): FileChange[] {
  const filter = pathFilter(opts.paths);
  const out: FileChange[] = [];
  for (const [path, o] of from) {
    if (!filter.leaf(path)) continue;
    const n = to.get(path);
    const c = compareLeaves(path, o, n);
    if (c) out.push(c);
  }
  for (const [path, n] of to) {
    if (!from.has(path) && filter.leaf(path)) out.push({ path, status: 'added', new: leafState(n) });
  }
  return out.sort((a, b) => comparePaths(a.path, b.path));
}

/** Orders paths as a tree walk visits them: component by component, byte-wise. */
export function comparePaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = compareNames(pa[i]!, pb[i]!);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

interface PathFilter {
  /** Whether a leaf at this path is reported. */
  leaf(path: string): boolean;
  /** Whether anything under this directory can be reported. */
  dir(path: string): boolean;
}

function pathFilter(paths: RepoPath[] | undefined): PathFilter {
  if (!paths || paths.length === 0 || paths.includes('' as RepoPath)) return { leaf: () => true, dir: () => true };
  return {
    leaf: (p) => paths.some((q) => isUnder(p, q)),
    dir: (d) => paths.some((q) => isUnder(q, d) || isUnder(d, q)),
  };
}

function* diffLevel(objects: ObjectStore, from: Oid | null, to: Oid | null, prefix: RepoPath, filter: PathFilter): Generator<FileChange> {
  const a = from ? objects.readTree(from).entries : [];
  const b = to ? objects.readTree(to).entries : [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const ea = a[i];
    const eb = b[j];
    const c = !ea ? 1 : !eb ? -1 : compareNames(ea.name, eb.name);
    const path = joinRepoPath(prefix, (c <= 0 ? ea : eb)!.name);
    if (c < 0) { i++; yield* side(objects, ea!, null, path, filter); continue; }
    if (c > 0) { j++; yield* side(objects, null, eb!, path, filter); continue; }
    i++; j++;
    if (ea!.id === eb!.id && ea!.kind === eb!.kind) continue;
    if (ea!.kind === 'tree' && eb!.kind === 'tree') {
      if (filter.dir(path)) yield* diffLevel(objects, ea!.id, eb!.id, path, filter);
    } else if (ea!.kind === 'tree' || eb!.kind === 'tree') {
      // A directory replaced by a file or the reverse: the leaf side first, as it sorts first.
      const leafFirst = ea!.kind !== 'tree';
      if (leafFirst) { yield* side(objects, ea!, null, path, filter); yield* side(objects, null, eb!, path, filter); }
      else { yield* side(objects, null, eb!, path, filter); yield* side(objects, ea!, null, path, filter); }
    } else if (filter.leaf(path)) {
      const change = compareLeaves(path, leafState(ea!), leafState(eb!));
      if (change) yield change;
    }
  }
}

/** An entry present on one side only: a leaf, or every leaf of a subtree. */
function* side(objects: ObjectStore, old: TreeEntry | null, neu: TreeEntry | null, path: RepoPath, filter: PathFilter): Generator<FileChange> {
  const e = (old ?? neu)!;
  if (e.kind === 'tree') {
    if (filter.dir(path)) yield* diffLevel(objects, old ? e.id : null, neu ? e.id : null, path, filter);
    return;
  }
  if (!filter.leaf(path)) return;
  yield old ? { path, status: 'deleted', old: leafState(e) } : { path, status: 'added', new: leafState(e) };
}

function compareLeaves(path: RepoPath, o: EntryState, n: EntryState | undefined): FileChange | undefined {
  if (!n) return { path, status: 'deleted', old: leafState(o) };
  if (o.id === n.id && o.kind === n.kind) return undefined;
  const typeChange = o.kind !== n.kind && (o.kind === 'symlink' || n.kind === 'symlink');
  return { path, status: typeChange ? 'type-changed' : 'modified', old: leafState(o), new: leafState(n) };
}

function leafState(e: { id: Oid; kind: EntryKind; size: number }): EntryState {
  return { id: e.id, kind: e.kind as EntryState['kind'], size: e.size };
}
