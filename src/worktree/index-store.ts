import type { Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import { bumpGeneration } from '../store/index.js';
import { isUnder, type RepoPath } from '../util/index.js';
import { decodeIndexEntry, encodeIndexEntry, type IndexEntry, type StatTime } from './index-entry.js';
import { putTreeCache, readTreeCache, withoutDirsOf, type TreeCache } from './tree-cache.js';
import { decodeStatTable, encodeStatTable, hasStatTable, patchStatTable, putStatTable, readStatTable } from './stat-table.js';

const STAMP_KEY = 'index.stamp';
/** The tree the index equals entry for entry, when known (set by commit and checkout). */
const TREE_KEY = 'index.tree';
/** Bumped by every index write, so a later step can tell the index did not change meanwhile. */
const VERSION_KEY = 'index.version';

/** The index as read at one moment, plus the time it was last written (for the racy check). */
export interface IndexSnapshot {
  entries: Map<RepoPath, IndexEntry>;
  /** When the index was last written: entries whose mtime is not older are re-hashed. */
  stamp: StatTime;
  version: number;
}

/**
 * Reads the whole index (or the part under `under`). The version is read before and after
 * the entries, so it names exactly what was read; when a write got between (twice), it is
 * NaN, which no later check takes for the current version. The whole index comes from its
 * stat table when that is current (one value instead of an entry at a time).
 */
export function readIndex(repo: Repository, under: RepoPath = '' as RepoPath): IndexSnapshot {
  for (let attempt = 0; ; attempt++) {
    const before = currentVersion(repo);
    const stamp = currentStamp(repo);
    const table = under === '' ? readStatTable(repo, before, stamp) : undefined;
    let entries = table && decodeStatTable(table);
    if (!entries) {
      entries = new Map<RepoPath, IndexEntry>();
      const range = under === '' ? {} : { start: under, end: under + '/\uffff' };
      for (const { key, value } of repo.env.index.getRange(range)) {
        const p = key as RepoPath;
        if (isUnder(p, under)) entries.set(p, decodeIndexEntry(value, p));
      }
    }
    const after = currentVersion(repo);
    if (before === after || attempt === 1) return { entries, stamp, version: before === after ? after : NaN };
  }
}

/** A set of changes to apply to the index in one transaction. */
export interface IndexChanges {
  put: Map<RepoPath, IndexEntry>;
  remove: Set<RepoPath>;
  /** Replace the whole index with `put` (checkout). */
  replaceAll?: boolean;
  /**
   * The tree the index equals afterwards (checkout), 'keep' when only stat data changed,
   * or undefined when ids changed and the index no longer matches a known tree.
   */
  tree?: Oid | 'keep';
}

/** Applies index changes atomically and records the write time. */
export function writeIndex(repo: Repository, changes: IndexChanges): void {
  const stamp = nowStatTime();
  const derived = repo.env.root.transactionSync(() => {
    if (changes.replaceAll) {
      for (const key of repo.env.index.getKeys()) if (!changes.put.has(key as RepoPath)) repo.env.index.removeSync(key);
    }
    for (const p of changes.remove) repo.env.index.removeSync(p);
    for (const [p, e] of changes.put) repo.env.index.putSync(p, encodeIndexEntry(e));
    return recordIndexWrite(repo, stamp, changes);
  });
  storeDerived(repo, derived);
}

/**
 * Rewrites the stat data of entries whose content was found unchanged (status), in one
 * transaction. An entry another process removed or restaged since it was read is left as
 * that process wrote it: a status must never bring back what `dv rm --cached` just
 * unstaged, nor overwrite what `dv add` just staged.
 */
export function refreshIndexEntries(repo: Repository, refreshed: Map<RepoPath, IndexEntry>): void {
  const stamp = nowStatTime();
  const derived = repo.env.root.transactionSync(() => {
    const written = new Map<RepoPath, IndexEntry>();
    for (const [p, e] of refreshed) {
      const current = repo.env.index.get(p);
      if (!current) continue;
      const stored = decodeIndexEntry(current, p);
      if (stored.id !== e.id || stored.kind !== e.kind) continue;
      repo.env.index.putSync(p, encodeIndexEntry(e));
      written.set(p, e);
    }
    return written.size === 0 ? undefined : recordIndexWrite(repo, stamp, { put: written, remove: new Set(), tree: 'keep' });
  });
  storeDerived(repo, derived);
}

/** What an index write hands on to the next command: its stat table and tree cache, stored once the write has committed. */
interface Derived { version: number; stamp: StatTime; table?: Buffer; trees?: TreeCache }

function storeDerived(repo: Repository, derived: Derived | undefined): void {
  if (derived?.table) putStatTable(repo, derived.table, derived.stamp);
  if (derived?.trees) putTreeCache(repo, derived.trees, derived.version, derived.stamp);
}

/**
 * The bookkeeping of an index write, inside its transaction, and the derived data it
 * brings along from the index it replaces: a whole new index (checkout) gets a new stat
 * table and no tree cache; otherwise the table is patched with the changes, and the tree
 * cache loses the directories of changed paths unless only stat data changed (`tree` 'keep').
 */
function recordIndexWrite(repo: Repository, stamp: StatTime, changes: IndexChanges): Derived {
  const previous = { version: currentVersion(repo), stamp: currentStamp(repo) };
  const version = previous.version + 1;
  repo.env.meta.putSync(STAMP_KEY, stamp);
  repo.env.meta.putSync(VERSION_KEY, version);
  if (changes.tree === undefined) repo.env.meta.removeSync(TREE_KEY);
  else if (changes.tree !== 'keep') repo.env.meta.putSync(TREE_KEY, changes.tree);
  // Where the stat table was kept before it became a file (stat-table.ts): no longer read.
  repo.env.indexStat.removeSync('table');
  bumpGeneration(repo.env);
  // A whole new index (checkout) is at hand: status can use its stat table at once.
  if (changes.replaceAll) return { version, stamp, table: encodeStatTable(changes.put, version) };
  const table = readStatTable(repo, previous.version, previous.stamp);
  const trees = readTreeCache(repo, previous.version, previous.stamp);
  return {
    version,
    stamp,
    table: table && patchStatTable(table, changes.put, changes.remove, version),
    // The trees of directories the changes leave alone stay right for the next commit.
    trees: trees && (changes.tree === 'keep' ? trees : withoutDirsOf(trees, [...changes.put.keys(), ...changes.remove])),
  };
}

/**
 * Records that the index equals `tree` (after a commit of exactly the staged state),
 * unless the index changed since `snapshot` was read (another process staged meanwhile).
 * The snapshot is the whole index, so its stat table is stored with it. False when the
 * index had moved on.
 */
export function markIndexTree(repo: Repository, tree: Oid, snapshot: IndexSnapshot): boolean {
  const current = repo.env.root.transactionSync(() => {
    if (currentVersion(repo) !== snapshot.version) return false;
    repo.env.meta.putSync(TREE_KEY, tree);
    return true;
  });
  if (current) storeStatTable(repo, snapshot);
  return current;
}

/**
 * Stores the stat table of a whole-index snapshot when the stored one is not of it (a
 * status with staged changes, a diff or a checkout compares this way every time), unless
 * the index changed since. The snapshot is of a committed index, so its table is right
 * for that index whenever it lands. Best effort, as putStatTable.
 */
export function storeStatTable(repo: Repository, snapshot: IndexSnapshot): void {
  if (currentVersion(repo) !== snapshot.version || hasStatTable(repo, snapshot.version, snapshot.stamp)) return;
  putStatTable(repo, encodeStatTable(snapshot.entries, snapshot.version), snapshot.stamp);
}

/** The index's version now (bumped by every index write). */
export function currentVersion(repo: Repository): number {
  return (repo.env.meta.get(VERSION_KEY) as number | undefined) ?? 0;
}

/** The stamp of the last index write. */
export function currentStamp(repo: Repository): StatTime {
  return (repo.env.meta.get(STAMP_KEY) as StatTime | undefined) ?? [0, 0];
}

/** The tree the index is known to equal, if any: status then needs no comparison with HEAD. */
export function indexTree(repo: Repository): Oid | undefined {
  return repo.env.meta.get(TREE_KEY) as Oid | undefined;
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
