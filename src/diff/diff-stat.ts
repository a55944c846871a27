import type { RepoPath } from '../util/index.js';
import type { ChangeStatus, FileChange } from './tree-diff.js';

/** One file's size change. */
export interface FileStat {
  path: RepoPath;
  status: ChangeStatus;
  oldSize: number;
  newSize: number;
  /** newSize - oldSize. */
  delta: number;
}

/** Totals over a diff: counts by status and the bytes that grew and shrank. */
export interface DiffSummary {
  files: number;
  added: number;
  deleted: number;
  modified: number;
  typeChanged: number;
  /** Sum of positive size changes. */
  bytesAdded: number;
  /** Sum of negative size changes, as a positive number. */
  bytesRemoved: number;
}

/** The `--stat` view of a diff: per-file byte size change plus a summary. */
export interface DiffStat {
  files: FileStat[];
  summary: DiffSummary;
}

/** Computes per-file size changes and totals from a list of changes. */
export function diffStat(changes: readonly FileChange[]): DiffStat {
  const summary: DiffSummary = { files: 0, added: 0, deleted: 0, modified: 0, typeChanged: 0, bytesAdded: 0, bytesRemoved: 0 };
  const files = changes.map((c): FileStat => {
    const oldSize = c.old?.size ?? 0;
    const newSize = c.new?.size ?? 0;
    const delta = newSize - oldSize;
    summary.files++;
    if (c.status === 'added') summary.added++;
    else if (c.status === 'deleted') summary.deleted++;
    else if (c.status === 'modified') summary.modified++;
    else summary.typeChanged++;
    if (delta > 0) summary.bytesAdded += delta;
    else summary.bytesRemoved -= delta;
    return { path: c.path, status: c.status, oldSize, newSize, delta };
  });
  return { files, summary };
}
