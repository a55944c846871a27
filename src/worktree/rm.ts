import path from 'node:path';
import { ConflictError, NotFoundError } from '../errors/index.js';
import type { Repository } from '../repo/index.js';
import { toRepoPath, type RepoPath } from '../util/index.js';
import { hashWorktreeFile } from './content-id.js';
import { readIndex, writeIndex } from './index-store.js';
import { Materializer } from './materialize.js';
import { statPath } from './scan.js';

export interface RmOptions {
  paths: string[];
  cwd: string;
  /** Only unstage; leave the files in the working tree. */
  cached?: boolean;
  /** Remove even files with changes that are not staged. */
  force?: boolean;
}

/**
 * Unstages paths (files or whole directories) and, unless `cached`, deletes them from
 * the working tree. A file whose working copy differs from the index is kept unless forced.
 */
export function rm(repo: Repository, opts: RmOptions): { removed: RepoPath[] } {
  const root = repo.worktree();
  const targets = new Set<RepoPath>();
  for (const u of opts.paths) {
    const rel = toRepoPath(root, opts.cwd, u);
    const { entries } = readIndex(repo, rel);
    if (entries.size === 0) throw new NotFoundError(`pathspec '${u}' did not match any tracked file`, { data: { path: u }, hint: '`dv ls -r HEAD` lists committed files and `dv status` staged ones; paths are relative to the current directory' });
    for (const [p, e] of entries) {
      if (!opts.cached && !opts.force) {
        const st = statPath(path.join(root, p));
        if (st && st !== 'dir' && hashWorktreeFile(path.join(root, p), st.kind, p) !== e.id) {
          throw new ConflictError(`${p} has changes that are not staged`, { hint: 'use --cached to keep the file, or --force to delete it anyway' });
        }
      }
      targets.add(p);
    }
  }
  writeIndex(repo, { put: new Map(), remove: targets });
  if (!opts.cached) {
    const m = new Materializer(repo.objects, root);
    for (const p of targets) m.remove(p);
  }
  return { removed: [...targets].sort() };
}
