import type { Oid } from '../hash/index.js';
import { encodeTree, type TreeEntry } from '../objects/index.js';
import type { WriteBatch } from '../store/index.js';
import type { RepoPath } from '../util/index.js';
import type { TreeCache } from './tree-cache.js';

/** A leaf to place in a tree: what the index or a transform says a path holds. */
export interface Leaf {
  id: Oid;
  kind: Exclude<TreeEntry['kind'], 'tree'>;
  size: number;
}

/** Where trees go: a write batch, or a sink that only hashes (ids without storing). */
export type TreeSink = Pick<WriteBatch, 'putStructured'>;

interface DirNode {
  files: Map<string, Leaf>;
  dirs: Map<string, DirNode>;
}

/** Trees already built for some directories (a commit's tree cache), reused instead of built again. */
export interface TreeReuse {
  cache: TreeCache;
  /** Whether a tree is stored: a cached one that is not (say, after gc) is built again. */
  has(id: Oid): boolean;
}

/**
 * Writes the nested trees for a flat set of leaves into the batch and returns the root
 * tree's id and total size. Identical directories get identical ids, so unchanged
 * subtrees keep their id from commit to commit. With `reuse`, a directory it knows is not
 * built; `built` is told of every directory that is.
 */
export function buildTree(batch: TreeSink, leaves: Iterable<[RepoPath, Leaf]>, reuse?: TreeReuse, built?: TreeCache): { id: Oid; size: number } {
  const root: DirNode = { files: new Map(), dirs: new Map() };
  for (const [p, leaf] of leaves) {
    const parts = p.split('/');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const name = parts[i]!;
      let next = node.dirs.get(name);
      if (!next) { next = { files: new Map(), dirs: new Map() }; node.dirs.set(name, next); }
      node = next;
    }
    node.files.set(parts[parts.length - 1]!, leaf);
  }
  return writeNode(batch, root, '' as RepoPath, reuse, built);
}

function writeNode(batch: TreeSink, node: DirNode, dir: RepoPath, reuse: TreeReuse | undefined, built: TreeCache | undefined): { id: Oid; size: number } {
  const known = reuse?.cache.get(dir);
  if (known && reuse!.has(known.id)) return known;
  const entries: TreeEntry[] = [];
  let size = 0;
  for (const [name, leaf] of node.files) {
    entries.push({ name, kind: leaf.kind, id: leaf.id, size: leaf.size });
    size += leaf.size;
  }
  for (const [name, child] of node.dirs) {
    const sub = writeNode(batch, child, (dir === '' ? name : `${dir}/${name}`) as RepoPath, reuse, built);
    entries.push({ name, kind: 'tree', id: sub.id, size: sub.size });
    size += sub.size;
  }
  const tree = { id: batch.putStructured('tree', encodeTree({ entries })), size };
  built?.set(dir, tree);
  return tree;
}
