import type { TreeEntry } from '../objects/index.js';
import type { Repository } from '../repo/index.js';
import { resolveRevPath, resolveTreeish } from './rev-parse.js';
import { walkTree } from './tree-walk.js';

/** An entry as `dv ls` lists it; `path` is relative to the listed tree. */
export interface ListedEntry extends TreeEntry {
  path: string;
}

/**
 * The entries of the tree named by `spec` (REV or REV:PATH): its direct entries, or
 * with `recursive` every file below it. A spec naming a file lists that one file.
 */
export function listTree(repo: Repository, spec: string, opts: { recursive?: boolean } = {}): ListedEntry[] {
  let tree;
  if (spec.includes(':')) {
    const e = resolveRevPath(repo, spec);
    if (e.kind !== 'tree') return [{ name: e.name, kind: e.kind, id: e.id, size: e.size, path: e.path }];
    tree = e.id;
  } else {
    tree = resolveTreeish(repo, spec);
  }
  if (opts.recursive) return [...walkTree(repo.objects, tree)].map((l) => ({ name: l.name, kind: l.kind, id: l.id, size: l.size, path: l.path }));
  return repo.objects.readTree(tree).entries.map((e) => ({ ...e, path: e.name }));
}
