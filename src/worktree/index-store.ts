import type { Repository } from '../repo/index.js';
import { bumpGeneration } from '../store/index.js';
import { isUnder, type RepoPath } from '../util/index.js';
import type { IndexEntry, StatTime } from './index-entry.js';

const STAMP_KEY = 'index.stamp';

/** The index as read at one moment, plus the time it was last written (for the racy check). */
export interface IndexSnapshot {
  entries: Map<RepoPath, IndexEntry>;
  /** When the index was last written: entries whose mtime is not older are re-hashed. */
  stamp: StatTime;
}

/** Reads the whole index (or the part under `under`). */
export function readIndex(repo: Repository, under: RepoPath = '' as RepoPath): IndexSnapshot {
  const entries = new Map<RepoPath, IndexEntry>();
  const range = under === '' ? {} : { start: under, end: under + '/\uffff' };
  for (const { key, value } of repo.env.index.getRange(range)) {
    const p = key as RepoPath;
    if (isUnder(p, under)) entries.set(p, value as IndexEntry);
  }
  const stamp = (repo.env.meta.get(STAMP_KEY) as StatTime | undefined) ?? [0, 0];
  return { entries, stamp };
}

/** A set of changes to apply to the index in one transaction. */
export interface IndexChanges {
  put: Map<RepoPath, IndexEntry>;
  remove: Set<RepoPath>;
  /** Replace the whole index with `put` (checkout). */
  replaceAll?: boolean;
}

/** Applies index changes atomically and records the write time. */
export function writeIndex(repo: Repository, changes: IndexChanges): void {
  const stamp = nowStatTime();
  repo.env.root.transactionSync(() => {
    if (changes.replaceAll) {
      for (const key of repo.env.index.getKeys()) if (!changes.put.has(key as RepoPath)) repo.env.index.removeSync(key);
    }
    for (const p of changes.remove) repo.env.index.removeSync(p);
    for (const [p, e] of changes.put) repo.env.index.putSync(p, e);
    repo.env.meta.putSync(STAMP_KEY, stamp);
    bumpGeneration(repo.env);
  });
}

/** The current wall-clock time as [sec, nsec]. */
export function nowStatTime(): StatTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
}

/**
 * File systems stamp mtimes from a coarse clock that can lag the wall clock, so a file
 * written just before the index can be changed again without its mtime moving. Entries
 * whose mtime is within this margin of the index write are re-hashed (git's racy rule).
 */
export const RACY_MARGIN_SEC = 2;

/** True when an entry's stat data can be trusted: its mtime is safely older than the index write. */
export function isRacy(mtime: StatTime, stamp: StatTime): boolean {
  return mtime[0] + RACY_MARGIN_SEC > stamp[0];
}

/** a < b for stat times. */
export function statTimeBefore(a: StatTime, b: StatTime): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
