import type { Oid } from '../hash/index.js';
import { flattenTree, resolveTreeish } from '../history/index.js';
import { HEAD } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import type { RepoPath } from '../util/index.js';
import { compareWorktree } from '../worktree/index.js';
import { diffStat, type FileStat, type DiffSummary } from './diff-stat.js';
import { diffEntryMaps, diffTrees, type EntryState, type FileChange } from './tree-diff.js';

/** One side of a diff: a revision's tree, or the working tree (tracked files only). */
export type DiffSide = { rev: string; tree: Oid | null } | { worktree: true };

/** What `dv diff` reports. */
export interface RevisionDiff {
  from: DiffSide;
  to: DiffSide;
  changes: FileChange[];
  /** Per-file size changes, in the same order as `changes`. */
  stat: FileStat[];
  summary: DiffSummary;
}

/** Options of diffRevisions. */
export interface DiffRevisionsOptions {
  /** Old side (default HEAD; an unborn HEAD is the empty tree). */
  from?: string;
  /** New side; absent means the working tree. */
  to?: string;
  paths?: RepoPath[];
}

/**
 * File-level diff between two revisions, or between a revision and the tracked files of
 * the working tree (as status sees them: stat-cached, re-hashing only changed files).
 */
export function diffRevisions(repo: Repository, opts: DiffRevisionsOptions = {}): RevisionDiff {
  const fromRev = opts.from ?? HEAD;
  const fromTree = opts.from === undefined && !repo.refs.resolve(HEAD) ? null : resolveTreeish(repo, fromRev);
  const from: DiffSide = { rev: fromRev, tree: fromTree };
  let to: DiffSide;
  let changes: FileChange[];
  if (opts.to !== undefined) {
    const toTree = resolveTreeish(repo, opts.to);
    to = { rev: opts.to, tree: toTree };
    changes = diffTrees(repo.objects, fromTree, toTree, { paths: opts.paths });
  } else {
    repo.worktree();
    to = { worktree: true };
    // One path: scan and flatten only under it.
    const under = opts.paths?.length === 1 ? opts.paths[0]! : ('' as RepoPath);
    const old = new Map<RepoPath, EntryState>();
    for (const [p, e] of flattenTree(repo.objects, fromTree, under)) old.set(p, { id: e.id, kind: e.kind as EntryState['kind'], size: e.size });
    changes = diffEntryMaps(old, worktreeState(repo, under), { paths: opts.paths });
  }
  const { files, summary } = diffStat(changes);
  return { from, to, changes, stat: files, summary };
}

/** The tracked files as they are on disk: index entries, with modified files' new ids and deleted files left out. */
function worktreeState(repo: Repository, under: RepoPath): Map<RepoPath, EntryState> {
  const cmp = compareWorktree(repo, under);
  const deleted = new Set(cmp.deleted);
  const out = new Map<RepoPath, EntryState>();
  for (const [p, e] of cmp.index) {
    if (deleted.has(p)) continue;
    const m = cmp.modified.get(p);
    out.set(p, m ? { id: m.id, kind: m.kind, size: m.size } : { id: e.id, kind: e.kind, size: e.size });
  }
  return out;
}
