import path from 'node:path';
import { nativeAddon } from '../native/index.js';
import { compareNames } from '../objects/index.js';
import type { Repository } from '../repo/index.js';
import { isUnder, type RepoPath } from '../util/index.js';
import { loadIgnoreRules } from './ignore-rules.js';
import { decodeIndexEntry, type IndexEntry, type StatTime } from './index-entry.js';
import { currentStamp, currentVersion, type IndexSnapshot } from './index-store.js';
import { compareWalkOrder, scanWorktree, statPath, type FileStat } from './scan.js';
import { readStatTable, statTableUnder } from './stat-table.js';

/**
 * What a scan found before any file is read: the tracked paths whose stat data does not
 * prove them unchanged (with the stat found, undefined when absent or not a file), and
 * the untracked files.
 */
export interface Suspects {
  tracked: Array<{ path: RepoPath; entry: IndexEntry; stat: FileStat | undefined }>;
  untracked: Map<RepoPath, FileStat>;
  stamp: StatTime;
}

/**
 * The suspects from the native scan (of the paths under `under`, default all), or
 * undefined when it cannot serve: no addon, no stat table of the index (of `snapshot`'s
 * when given, whose entries are then the ones reported), nothing tracked under `under`,
 * or a scan error (the JavaScript scan then says what is wrong).
 */
export function nativeSuspects(repo: Repository, under: RepoPath = '' as RepoPath, snapshot?: IndexSnapshot): Suspects | undefined {
  const native = nativeAddon();
  if (!native) return undefined;
  const stamp = snapshot?.stamp ?? currentStamp(repo);
  const whole = readStatTable(repo, snapshot?.version ?? currentVersion(repo), stamp);
  // The walk then goes only through directories holding paths under `under` (and their parents).
  const table = whole && (under === '' ? whole : statTableUnder(whole, under));
  if (!table) return undefined;
  const root = repo.worktree();
  let found: ReturnType<typeof native.scanChanges>;
  try {
    found = native.scanChanges(root, table, stamp[0]);
  } catch {
    return undefined;
  }
  const [changed, present, names, isDir] = found;
  const tracked: Suspects['tracked'] = [];
  for (let i = 0; i < changed.length; i++) {
    const p = changed[i] as RepoPath;
    const entry = snapshot ? snapshot.entries.get(p) : indexEntry(repo, p);
    if (!entry) return undefined; // the index moved on meanwhile
    // Only what the walk met is looked at again: a path behind a symlinked directory is gone.
    const st = present[i] ? statPath(path.join(root, p)) : undefined;
    tracked.push({ path: p, entry, stat: st === 'dir' ? undefined : st });
  }
  tracked.sort((a, b) => compareNames(a.path, b.path));
  const rules = loadIgnoreRules(root);
  const untracked: Array<[RepoPath, FileStat]> = [];
  for (let i = 0; i < names.length; i++) {
    const p = names[i] as RepoPath;
    // Names beside the parents of `under` are outside it.
    if (!isUnder(p, under) || rules.ignores(p, isDir[i]!)) continue;
    if (isDir[i]) {
      // Nothing in it is tracked, so the rules as they are decide what is listed.
      for (const found of scanWorktree(root, p, rules)) untracked.push(found);
    } else {
      const st = statPath(path.join(root, p));
      if (st && st !== 'dir') untracked.push([p, st]);
    }
  }
  untracked.sort(([a], [b]) => compareWalkOrder(a, b));
  return { tracked, untracked: new Map(untracked), stamp };
}

function indexEntry(repo: Repository, p: RepoPath): IndexEntry | undefined {
  const value = repo.env.index.get(p);
  return value && decodeIndexEntry(value, p);
}
