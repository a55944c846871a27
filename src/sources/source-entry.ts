import type { Oid } from '../hash/index.js';
import type { RowDiffSummary } from '../rows/index.js';

/**
 * One registration, update or rollback of an upstream source, as recorded in commit meta
 * `sources` (see spec/sources.md). The registry is the history: a source's current state
 * is its newest entry reachable from HEAD.
 */
export interface SourceEntry {
  name: string;
  action: 'add' | 'update' | 'checkout';
  /** Where it came from: an http(s) URL or a local path. */
  origin: string;
  /** Where it lives in the repository. */
  path: string;
  version: string;
  /** When it was fetched (ms since the epoch). */
  fetched: number;
  /** BLAKE3 of the content: its file id. */
  checksum: Oid;
  size: number;
  etag?: string;
  lastModified?: string;
  note?: string;
  /** Row changes against the previous version, for CSV, TSV and JSONL. */
  rows?: Pick<RowDiffSummary, 'oldRows' | 'newRows' | 'added' | 'removed' | 'changed'>;
}

/** A source entry with the commit that recorded it. */
export interface SourceVersion extends SourceEntry {
  commit: Oid;
  message: string;
}

/** Reads the `sources` entries of a commit's meta (ignores malformed ones). */
export function sourceEntriesOf(meta: { sources?: unknown[] }): SourceEntry[] {
  const list = Array.isArray(meta.sources) ? meta.sources : [];
  return list.filter((e): e is SourceEntry => typeof e === 'object' && e !== null && typeof (e as SourceEntry).name === 'string' && typeof (e as SourceEntry).checksum === 'string');
}
