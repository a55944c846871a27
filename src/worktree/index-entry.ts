import type { Oid } from '../hash/index.js';
import type { EntryKind } from '../objects/index.js';

/**
 * One staged path in the index (LMDB `index` database, key = repository path). The stat
 * fields let status skip re-reading unchanged files; see spec/index.md for the racy rule.
 */
export interface IndexEntry {
  id: Oid;
  kind: Exclude<EntryKind, 'tree'>;
  size: number;
  /** Modification and change times in nanoseconds since the epoch (as decimal strings would lose nothing; numbers lose sub-µs). */
  mtimeNs: number;
  ctimeNs: number;
  ino: number;
  dev: number;
}
