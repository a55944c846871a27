import path from 'node:path';
import type { Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import { cleanWorktreeCopy } from '../worktree/index.js';
import { diffRows, fileChunkSource, tableFormatOf, type ChunkSource, type RowChange, type RowDiffResult } from '../rows/index.js';
import type { RepoPath } from '../util/index.js';
import { diffRevisions, type DiffRevisionsOptions, type DiffSide } from './diff-revisions.js';
import { keyFor, readKeyRules } from './row-keys.js';
import type { ChangeStatus } from './tree-diff.js';

/** The row diff of one changed table. */
export interface FileRowDiff extends RowDiffResult {
  path: RepoPath;
  status: ChangeStatus;
  /** The first changed rows (all of them unless `keep` was given). */
  rows: RowChange[];
  /** True when more rows changed than `rows` holds. */
  truncated: boolean;
}

/** What `dv diff --rows` reports. */
export interface RowsRevisionDiff {
  from: DiffSide;
  to: DiffSide;
  files: FileRowDiff[];
  /** Changed files that are not CSV, TSV or JSONL. */
  skipped: Array<{ path: RepoPath; status: ChangeStatus; reason: string }>;
}

export interface DiffRowsRevisionsOptions extends DiffRevisionsOptions {
  /** Rows kept per file in the result (default all). */
  keep?: number;
  /** Called when a table's diff starts, with its path. */
  onFile?: (path: RepoPath, status: ChangeStatus) => void;
  /** Receives every changed row as found (also those beyond `keep`). */
  onRow?: (path: RepoPath, change: RowChange) => void;
  /** Called when a table's diff is complete. */
  onFileDone?: (diff: FileRowDiff) => void;
  memoryBudget?: number;
}

/**
 * Row-level diff between two revisions, or a revision and the working tree: the
 * file-level diff picks the changed tables, and each is diffed row by row, aligned by
 * the key dv.yaml `keys:` declares for its path, or by content.
 */
export function diffRowsRevisions(repo: Repository, opts: DiffRowsRevisionsOptions = {}): RowsRevisionDiff {
  const fileDiff = diffRevisions(repo, opts);
  const rules = readKeyRules(repo);
  const keep = opts.keep ?? Infinity;
  const files: FileRowDiff[] = [];
  const skipped: RowsRevisionDiff['skipped'] = [];
  for (const change of fileDiff.changes) {
    const format = tableFormatOf(change.path);
    const kinds = [change.old?.kind, change.new?.kind].filter(Boolean);
    if (!format || kinds.includes('symlink')) {
      skipped.push({ path: change.path, status: change.status, reason: format ? 'a symlink' : 'not CSV, TSV or JSONL' });
      continue;
    }
    const oldSource = change.old ? storeSource(repo, `${revLabel(fileDiff.from)}:${change.path}`, change.old.id, change.old.size, change.path) : null;
    const newSource = !change.new ? null
      : 'worktree' in fileDiff.to ? fileChunkSource(path.join(repo.worktree(), change.path), change.path)
      : storeSource(repo, `${revLabel(fileDiff.to)}:${change.path}`, change.new.id, change.new.size, change.path);
    const rows: RowChange[] = [];
    let seen = 0;
    opts.onFile?.(change.path, change.status);
    const result = diffRows(oldSource, newSource, {
      format,
      key: keyFor(rules, change.path),
      memoryBudget: opts.memoryBudget,
      onRow: (c) => {
        seen++;
        if (rows.length < keep) rows.push(c);
        opts.onRow?.(change.path, c);
      },
    });
    const done: FileRowDiff = { path: change.path, status: change.status, ...result, rows, truncated: seen > rows.length };
    opts.onFileDone?.(done);
    files.push(done);
  }
  return { from: fileDiff.from, to: fileDiff.to, files, skipped };
}

/**
 * Stored file content as a row source, verified as it streams; when the working tree
 * holds the same content (index stat match), its plain bytes are read instead.
 */
export function storeSource(repo: Repository, label: string, id: Oid, size: number, path?: RepoPath): ChunkSource {
  const copy = path ? cleanWorktreeCopy(repo, path, id) : null;
  if (copy) return { ...fileChunkSource(copy, label), size };
  return { label, size, open: () => repo.objects.readContentSync(id) };
}

function revLabel(side: DiffSide): string {
  return 'rev' in side ? side.rev : 'worktree';
}
