import type { Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import { readIndex } from '../worktree/index.js';
import { hasRecordedRuns, producerOf } from './run-cache.js';
import { readRunRecord, type RunRecord } from './run-record.js';

/**
 * The run records that produced the staged content: for every index entry, the run
 * that wrote exactly that content at that path. `dv commit` records them in the
 * commit's `runs` metadata. Costs nothing in a repository that never ran a stage.
 */
export function runsForStagedContent(repo: Repository): Oid[] {
  if (!hasRecordedRuns(repo)) return [];
  const runs = new Set<Oid>();
  for (const [p, e] of readIndex(repo).entries) {
    const run = producerOf(repo, p, e.id);
    if (run && repo.objects.has(run)) runs.add(run);
  }
  return [...runs];
}

/** A run record summarised for `dv show`. */
export interface RunSummary {
  id: Oid;
  stage: string;
  partition?: string;
  cmd: string;
  status: RunRecord['status'];
  exit: number | null;
  ms: number;
  outs: Record<string, Oid>;
  code: string | null;
}

/** Summaries of run records by id (missing ones are skipped). */
export function summarizeRuns(repo: Repository, ids: unknown[]): RunSummary[] {
  const out: RunSummary[] = [];
  for (const id of ids) {
    if (typeof id !== 'string' || !repo.objects.has(id as Oid)) continue;
    const r = readRunRecord(repo, id as Oid);
    out.push({
      id: id as Oid, stage: r.stage, partition: r.partition, cmd: r.cmd, status: r.status, exit: r.exit, ms: r.end - r.start, outs: r.outs,
      code: r.code ? `${r.code.commit ?? 'no commit'}${r.code.dirty ? ' (dirty)' : ''}` : null,
    });
  }
  return out;
}
