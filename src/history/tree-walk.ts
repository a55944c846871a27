import { NotFoundError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import type { TreeEntry } from '../objects/index.js';
import type { ObjectStore } from '../store/index.js';
import { joinRepoPath, parseRepoPath, type RepoPath } from '../util/index.js';

/** A leaf (file, executable or symlink) of a tree, with its full path. */
export interface TreeLeaf extends TreeEntry {
  path: RepoPath;
}

/**
 * Walks a tree depth-first in path order, yielding every leaf. `under` restricts the
 * walk to one directory (or file) without reading the rest.
 */
export function* walkTree(objects: ObjectStore, treeId: Oid, under: RepoPath = '' as RepoPath): Generator<TreeLeaf> {
  if (under === '') {
    yield* walk(objects, treeId, '' as RepoPath);
    return;
  }
  const entry = lookupPath(objects, treeId, under);
  if (!entry) return;
  if (entry.kind === 'tree') yield* walk(objects, entry.id, under);
  else yield { ...entry, path: under };
}

function* walk(objects: ObjectStore, treeId: Oid, prefix: RepoPath): Generator<TreeLeaf> {
  for (const e of objects.readTree(treeId).entries) {
    const p = joinRepoPath(prefix, e.name);
    if (e.kind === 'tree') yield* walk(objects, e.id, p);
    else yield { ...e, path: p };
  }
}

/** All leaves of a tree as a map path → leaf. */
export function flattenTree(objects: ObjectStore, treeId: Oid | null, under: RepoPath = '' as RepoPath): Map<RepoPath, TreeLeaf> {
  const out = new Map<RepoPath, TreeLeaf>();
  if (treeId === null) return out;
  for (const leaf of walkTree(objects, treeId, under)) out.set(leaf.path, leaf);
  return out;
}

/** The entry at `path` in a tree (the root itself when path is ''), or undefined. */
export function lookupPath(objects: ObjectStore, treeId: Oid, path: RepoPath | string): TreeEntry | undefined {
  const p = parseRepoPath(path);
  if (p === '') return { name: '', kind: 'tree', id: treeId, size: 0 };
  let cur: Oid = treeId;
  const parts = p.split('/');
  for (let i = 0; i < parts.length; i++) {
    const e = objects.readTree(cur).entries.find((x) => x.name === parts[i]);
    if (!e) return undefined;
    if (i === parts.length - 1) return e;
    if (e.kind !== 'tree') return undefined;
    cur = e.id;
  }
  return undefined;
}

/** Like lookupPath but throws NotFoundError naming the path and revision. */
export function requirePath(objects: ObjectStore, treeId: Oid, path: string, rev: string): TreeEntry {
  const e = lookupPath(objects, treeId, path);
  if (!e) throw new NotFoundError(`path '${path}' does not exist in ${rev}`, { data: { path, rev } });
  return e;
}
