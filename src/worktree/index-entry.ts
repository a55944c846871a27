import type { Oid } from '../hash/index.js';
import type { EntryKind } from '../objects/index.js';

/** Seconds and nanoseconds, as `stat` gives them (a single number would lose nanoseconds). */
export type StatTime = [sec: number, nsec: number];

/**
 * One staged path in the index (LMDB `index` database, key = repository path). The stat
 * fields let status skip re-reading unchanged files; see spec/index.md for the racy rule.
 */
export interface IndexEntry {
  id: Oid;
  kind: Exclude<EntryKind, 'tree'>;
  size: number;
  mtime: StatTime;
  ctime: StatTime;
  ino: number;
  dev: number;
}
