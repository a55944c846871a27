import type { Oid } from '../hash/index.js';
import type { CommitMeta } from '../objects/index.js';
import { HEAD } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import type { RepoPath } from '../util/index.js';
import { readDecorations } from './decorations.js';
import { viewSignature, type SignatureView } from './describe.js';
import { resolveCommit } from './rev-parse.js';
import { walkCommits } from './rev-walk.js';

/** One commit as `dv log` shows it. */
export interface LogItem {
  id: Oid;
  tree: Oid;
  parents: Oid[];
  author: SignatureView;
  committer: SignatureView;
  message: string;
  meta: CommitMeta;
  /** Branches and tags pointing here (`HEAD -> main`, `tag: v1`). */
  refs: string[];
}

/** Options of readLog. */
export interface LogOptions {
  /** Where to start (default HEAD). */
  rev?: string;
  limit?: number;
  paths?: RepoPath[];
}

/** The history of a revision, newest first, optionally limited and restricted to paths. */
export function readLog(repo: Repository, opts: LogOptions = {}): LogItem[] {
  const start = resolveCommit(repo, opts.rev ?? HEAD);
  const decorations = readDecorations(repo);
  const out: LogItem[] = [];
  for (const { id, commit: c } of walkCommits(repo, [start], { limit: opts.limit, paths: opts.paths })) {
    out.push({
      id, tree: c.tree, parents: c.parents, author: viewSignature(c.author), committer: viewSignature(c.committer),
      message: c.message, meta: c.meta, refs: decorations.get(id) ?? [],
    });
  }
  return out;
}
