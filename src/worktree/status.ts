import path from 'node:path';
import type { Oid } from '../hash/index.js';
import { flattenTree, type TreeLeaf } from '../history/index.js';
import { nativeAddon } from '../native/index.js';
import { HEAD } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { joinRepoPath, parentDirs, type RepoPath } from '../util/index.js';
import { hashWorktreeFile } from './content-id.js';
import { exceptTracked, loadIgnoreRules } from './ignore-rules.js';
import type { IndexEntry, StatTime } from './index-entry.js';
import { indexTree, isRacy, readIndex, storeStatTable, refreshIndexEntries, type IndexSnapshot } from './index-store.js';
import { nativeSuspects, type Suspects } from './native-suspects.js';
import { scanWorktree, type FileStat } from './scan.js';
import { statMatches } from './stat-match.js';
import { readTreeCache, type TreeCache } from './tree-cache.js';

export interface StatusResult {
  /** Current branch short name, or null when HEAD is detached. */
  branch: string | null;
  head: Oid | null;
  staged: { added: RepoPath[]; modified: RepoPath[]; deleted: RepoPath[] };
  unstaged: { modified: RepoPath[]; deleted: RepoPath[] };
  untracked: RepoPath[];
}

/** How the working tree differs from the index, by path, with the current ids. */
export interface WorktreeChanges {
  /** Indexed paths whose working-tree content differs, with the working-tree id. */
  modified: Map<RepoPath, { id: Oid; kind: IndexEntry['kind']; size: number }>;
  deleted: RepoPath[];
  /** Files not in the index and not ignored, with their stat data, in path order. */
  untracked: Map<RepoPath, FileStat>;
}

/** The working tree compared with the index, and the index it was compared with. */
export interface WorktreeComparison extends WorktreeChanges {
  index: Map<RepoPath, IndexEntry>;
  /** The tree cache of that index, when asked for and stored. */
  trees?: TreeCache;
}

/**
 * Compares the working tree with the index. Files whose stat data matches are not read;
 * the others are hashed. Entries found unchanged are refreshed in the index (new stat
 * data), so the next status does not hash them again.
 */
export function compareWorktree(repo: Repository, under: RepoPath = '' as RepoPath, opts: { trees?: boolean } = {}): WorktreeComparison {
  const snapshot = readIndex(repo, under);
  // Read before settle, which may refresh entries and so move the index on.
  const trees = opts.trees && under === '' ? readTreeCache(repo, snapshot.version, snapshot.stamp) : undefined;
  // The native scan serves when the stat table is this snapshot's (as after an add).
  const changes = settle(repo, nativeSuspects(repo, under, snapshot) ?? scanSuspects(repo, under, snapshot));
  // The whole index is at hand: store its stat table for the next status's native scan.
  if (under === '' && nativeAddon()) storeStatTable(repo, snapshot);
  return { index: snapshot.entries, trees, ...changes };
}

/**
 * The comparison status needs when it need not see the index itself. With the native
 * addon and a stat table of the current index, one native call walks the tree and only
 * the suspects are looked up; otherwise it is compareWorktree (which stores the table).
 */
export function worktreeChanges(repo: Repository): WorktreeChanges {
  const quick = nativeSuspects(repo);
  return quick ? settle(repo, quick) : compareWorktree(repo);
}

function scanSuspects(repo: Repository, under: RepoPath, snapshot: IndexSnapshot): Suspects {
  const root = repo.worktree();
  const files = scanWorktree(root, under, exceptTracked(loadIgnoreRules(root), snapshot.entries.keys()));
  const tracked: Suspects['tracked'] = [];
  for (const [p, entry] of snapshot.entries) {
    const st = files.get(p);
    if (!st || !statMatches(entry, st, snapshot.stamp)) tracked.push({ path: p, entry, stat: st });
  }
  const untracked = new Map<RepoPath, FileStat>();
  for (const [p, st] of files) if (!snapshot.entries.has(p)) untracked.set(p, st);
  return { tracked, untracked, stamp: snapshot.stamp };
}

/** Hashes the suspects: which are modified, which deleted, and which only need new stat data. */
function settle(repo: Repository, suspects: Suspects): WorktreeChanges {
  const root = repo.worktree();
  const modified: WorktreeChanges['modified'] = new Map();
  const deleted: RepoPath[] = [];
  const refresh = new Map<RepoPath, IndexEntry>();
  const now: StatTime = [Math.floor(Date.now() / 1000), 0];
  for (const { path: p, entry, stat: st } of suspects.tracked) {
    if (!st) { deleted.push(p); continue; }
    const id = hashWorktreeFile(path.join(root, p), st.kind, p);
    if (id !== entry.id || st.kind !== entry.kind) {
      modified.set(p, { id, kind: st.kind, size: st.size });
    } else if ((!sameStat(entry, st) || isRacy(st.mtime, suspects.stamp)) && !isRacy(st.mtime, now)) {
      // Also rewrite racily clean entries once they are safe: the new stamp lets the next status trust them.
      refresh.set(p, { ...entry, size: st.size, mtime: st.mtime, ctime: st.ctime, ino: st.ino, dev: st.dev });
    }
  }
  if (refresh.size > 0) refreshIndexEntries(repo, refresh);
  return { modified, deleted, untracked: suspects.untracked };
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
  const staged: StatusResult['staged'] = { added: [], modified: [], deleted: [] };
  let changes: WorktreeChanges;
  if (indexMatchesHead) {
    changes = worktreeChanges(repo);
  } else {
    const cmp = compareWorktree(repo, '' as RepoPath, { trees: true });
    const { leaves: headTree, same } = headLeaves(repo, headTreeId, cmp.trees);
    for (const [p, e] of cmp.index) {
      if (same.size > 0 && inAny(same, p)) continue;
      const h = headTree.get(p);
      if (!h) staged.added.push(p);
      else if (h.id !== e.id || h.kind !== e.kind) staged.modified.push(p);
    }
    for (const p of headTree.keys()) if (!cmp.index.has(p)) staged.deleted.push(p);
    changes = cmp;
  }
  return {
    branch,
    head,
    staged,
    unstaged: { modified: [...changes.modified.keys()], deleted: changes.deleted },
    untracked: [...changes.untracked.keys()],
  };
}

/**
 * HEAD's leaves, except under directories whose tree the index makes too (by its tree
 * cache: nothing is staged there), which are listed in `same` instead of read. Reading
 * every tree of HEAD took most of a status with something staged in a large tree.
 */
function headLeaves(repo: Repository, headTreeId: Oid | null, cache: TreeCache | undefined): { leaves: Map<RepoPath, TreeLeaf>; same: Set<RepoPath> } {
  if (!cache) return { leaves: flattenTree(repo.objects, headTreeId), same: new Set() };
  const leaves = new Map<RepoPath, TreeLeaf>();
  const same = new Set<RepoPath>();
  const walk = (id: Oid, dir: RepoPath): void => {
    if (cache.get(dir)?.id === id) { same.add(dir); return; }
    for (const e of repo.objects.readTree(id).entries) {
      const p = joinRepoPath(dir, e.name);
      if (e.kind === 'tree') walk(e.id, p);
      else leaves.set(p, { ...e, path: p });
    }
  };
  if (headTreeId) walk(headTreeId, '' as RepoPath);
  return { leaves, same };
}

/** Whether `p` lies in one of the directories `dirs`. */
function inAny(dirs: Set<RepoPath>, p: RepoPath): boolean {
  for (const dir of parentDirs(p)) if (dirs.has(dir)) return true;
  return false;
}

/** True when nothing is staged, modified or deleted (untracked files do not count). */
export function isClean(s: StatusResult): boolean {
  return s.staged.added.length + s.staged.modified.length + s.staged.deleted.length +
    s.unstaged.modified.length + s.unstaged.deleted.length === 0;
}
