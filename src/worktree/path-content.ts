import path from 'node:path';
import { hashBytes, type Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import type { RepoPath } from '../util/index.js';
import { buildTree, type Leaf, type TreeSink } from './build-tree.js';
import { hashWorktreeFile } from './content-id.js';
import { exceptTracked, loadIgnoreRules } from './ignore-rules.js';
import { readIndex } from './index-store.js';
import { scanWorktree, statPath } from './scan.js';
import { statMatches } from './stat-match.js';

/** What a working-tree path holds now: one file, or a directory's files (paths relative to the repository). */
export interface PathContent {
  /** The file's id, or the id of the tree the directory's files make. */
  id: Oid;
  kind: Leaf['kind'] | 'tree';
  size: number;
  /** Every file under the path (the path itself for a file). */
  leaves: Map<RepoPath, Leaf>;
}

/** A tree sink that computes ids without storing anything. */
export const HASH_ONLY_SINK: TreeSink = { putStructured: (_kind, bytes) => hashBytes(bytes) };

/**
 * The content id of a working-tree file or directory (undefined when absent). Files whose
 * stat data matches their index entry are not read; others are hashed. A directory's id
 * is the id of the tree its non-ignored files make (trees go to `sink`: stored or only hashed).
 */
export function readPathContent(repo: Repository, rel: RepoPath, sink: TreeSink = HASH_ONLY_SINK): PathContent | undefined {
  const root = repo.worktree();
  const top = statPath(path.join(root, rel));
  if (top === undefined) return undefined;
  const { entries, stamp } = readIndex(repo, rel);
  const files = top === 'dir' ? scanWorktree(root, rel, exceptTracked(loadIgnoreRules(root), entries.keys())) : new Map([[rel, top]]);
  const leaves = new Map<RepoPath, Leaf>();
  for (const [p, st] of files) {
    const e = entries.get(p);
    const id = e && statMatches(e, st, stamp) ? e.id : hashWorktreeFile(path.join(root, p), st.kind, p);
    leaves.set(p, { id, kind: st.kind, size: st.size });
  }
  if (top !== 'dir') {
    const leaf = leaves.get(rel)!;
    return { ...leaf, leaves };
  }
  const prefix = rel === '' ? 0 : rel.length + 1;
  const tree = buildTree(sink, [...leaves].map(([p, l]) => [p.slice(prefix) as RepoPath, l]));
  return { id: tree.id, kind: 'tree', size: tree.size, leaves };
}
