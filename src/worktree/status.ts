import path from 'node:path';
import type { Oid } from '../hash/index.js';
import { flattenTree } from '../history/index.js';
import { HEAD } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import type { RepoPath } from '../util/index.js';
import { hashWorktreeFile } from './content-id.js';
import { exceptTracked, loadIgnoreRules } from './ignore-rules.js';
import type { IndexEntry } from './index-entry.js';
import { indexTree, isRacy, readIndex, writeIndex } from './index-store.js';
import { scanWorktree, type FileStat } from './scan.js';
import { statMatches } from './stat-match.js';

export interface StatusResult {
  /** Current branch short name, or null when HEAD is detached. */
  branch: string | null;
  head: Oid | null;
  staged: { added: RepoPath[]; modified: RepoPath[]; deleted: RepoPath[] };
  unstaged: { modified: RepoPath[]; deleted: RepoPath[] };
  untracked: RepoPath[];
}

/** The working tree compared with the index: what differs, by path, with the current ids. */
export interface WorktreeComparison {
  index: Map<RepoPath, IndexEntry>;
  files: Map<RepoPath, FileStat>;
  /** Indexed paths whose working-tree content differs, with the working-tree id. */
  modified: Map<RepoPath, { id: Oid; kind: IndexEntry['kind']; size: number }>;
  deleted: RepoPath[];
  untracked: RepoPath[];
}

/**
 * Compares the working tree with the index. Files whose stat data matches are not read;
 * the others are hashed. Entries found unchanged are refreshed in the index (new stat
 * data), so the next status does not hash them again.
 */
export function compareWorktree(repo: Repository, under: RepoPath = '' as RepoPath): WorktreeComparison {
  const root = repo.worktree();
  const { entries, stamp } = readIndex(repo, under);
  const files = scanWorktree(root, under, exceptTracked(loadIgnoreRules(root), entries.keys()));
  const modified: WorktreeComparison['modified'] = new Map();
  const deleted: RepoPath[] = [];
  const refresh = new Map<RepoPath, IndexEntry>();
  for (const [p, entry] of entries) {
    const st = files.get(p);
    if (!st) { deleted.push(p); continue; }
    if (statMatches(entry, st, stamp)) continue;
    const id = hashWorktreeFile(path.join(root, p), st.kind, p);
    if (id !== entry.id || st.kind !== entry.kind) {
      modified.set(p, { id, kind: st.kind, size: st.size });
    } else if ((!sameStat(entry, st) || isRacy(st.mtime, stamp)) && !isRacy(st.mtime, [Math.floor(Date.now() / 1000), 0])) {
      // Also rewrite racily clean entries once they are safe: the new stamp lets the next status trust them.
      refresh.set(p, { ...entry, size: st.size, mtime: st.mtime, ctime: st.ctime, ino: st.ino, dev: st.dev });
    }
  }
  if (refresh.size > 0) writeIndex(repo, { put: refresh, remove: new Set(), tree: 'keep' });
  const untracked = [...files.keys()].filter((p) => !entries.has(p));
  return { index: entries, files, modified, deleted, untracked };
}

function sameStat(e: IndexEntry, st: FileStat): boolean {
  return e.size === st.size && e.mtime[0] === st.mtime[0] && e.mtime[1] === st.mtime[1] &&
    e.ctime[0] === st.ctime[0] && e.ctime[1] === st.ctime[1] && e.ino === st.ino && e.dev === st.dev;
}

/** Staged, unstaged and untracked changes relative to HEAD. */
export function status(repo: Repository): StatusResult {
  const head = repo.refs.resolve(HEAD) ?? null;
  const headName = repo.refs.resolveName(HEAD);
  const branch = headName.startsWith('refs/heads/') ? headName.slice('refs/heads/'.length) : null;
  const headTreeId = head ? repo.objects.readCommit(head).tree : null;
  // When the index is known to equal HEAD's tree (nothing staged since commit or checkout), skip the comparison.
  const indexMatchesHead = headTreeId !== null && indexTree(repo) === headTreeId;
  const cmp = compareWorktree(repo);
  const staged: StatusResult['staged'] = { added: [], modified: [], deleted: [] };
  if (!indexMatchesHead) {
    const headTree = flattenTree(repo.objects, headTreeId);
    for (const [p, e] of cmp.index) {
      const h = headTree.get(p);
      if (!h) staged.added.push(p);
      else if (h.id !== e.id || h.kind !== e.kind) staged.modified.push(p);
    }
    for (const p of headTree.keys()) if (!cmp.index.has(p)) staged.deleted.push(p);
  }
  return {
    branch,
    head,
    staged,
    unstaged: { modified: [...cmp.modified.keys()], deleted: cmp.deleted },
    untracked: cmp.untracked,
  };
}

/** True when nothing is staged, modified or deleted (untracked files do not count). */
export function isClean(s: StatusResult): boolean {
  return s.staged.added.length + s.staged.modified.length + s.staged.deleted.length +
    s.unstaged.modified.length + s.unstaged.deleted.length === 0;
}
