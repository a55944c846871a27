import { encodeCanonical, type CanonicalValue } from '../codec/index.js';
import { hashBytes, type Oid } from '../hash/index.js';
import type { CodeVersion } from '../provenance/index.js';
import type { Repository } from '../repo/index.js';
import type { RepoPath } from '../util/index.js';
import { outputLeaves } from './outputs.js';
import { readRunRecord, type RunRecord } from './run-record.js';

/**
 * The run cache lives in the repository's config database under `pipeline.` keys, so it
 * is shared by every branch and survives checkouts. Config values that name objects are
 * weak gc roots: a cached run record and the outputs it names stay stored as long as
 * the cache entry exists.
 */
const CACHE = 'pipeline.cache.';
const PRODUCED = 'pipeline.produced.';
const LAST = 'pipeline.stage.';
const FAILED = 'pipeline.failed.';

/** What a run's outcome depends on; equal inputs give equal keys. */
export interface RunKeyInput {
  cmd: string;
  deps: Record<string, Oid>;
  outs: string[];
  params: Record<string, unknown>;
  seed: string | null;
  code: CodeVersion | null;
  partition?: string;
}

/** The run-cache key: BLAKE3 of the canonical encoding of command, input ids, output paths, params, seed and code version. */
export function runKey(k: RunKeyInput): Oid {
  const code = k.code ? { commit: k.code.commit, dirty: k.code.dirtyHash } : null;
  return hashBytes(encodeCanonical({
    t: 'run-key', cmd: k.cmd, deps: k.deps, outs: [...k.outs].sort(), params: k.params as CanonicalValue,
    seed: k.seed, code, partition: k.partition,
  } as CanonicalValue));
}

/** The successful run recorded for a key, if any. */
export function lookupRun(repo: Repository, key: Oid): Oid | undefined {
  return repo.getConfig<Oid>(CACHE + key);
}

/**
 * Records a successful run: its key, each output file it produced (path and id, so a
 * commit can find the runs behind its content), and the stage's latest run.
 */
export function rememberRun(repo: Repository, runId: Oid, run: RunRecord, files: Iterable<[string, Oid]>): void {
  repo.env.root.transactionSync(() => {
    repo.env.config.putSync(CACHE + run.key, runId);
    for (const [p, id] of files) repo.env.config.putSync(producedKey(p, id), runId);
    repo.env.config.putSync(LAST + run.stage + (run.partition !== undefined ? `/${run.partition}` : ''), runId);
  });
}

/** Notes that a stage's current outputs come from an earlier run (a cache hit). */
export function rememberStageRun(repo: Repository, stage: string, runId: Oid, partition?: string): void {
  const key = LAST + stage + (partition !== undefined ? `/${partition}` : '');
  // An up-to-date stage usually already points there: no write, no fsync.
  if (repo.getConfig<Oid>(key) !== runId) repo.setConfig(key, runId);
}

/** The latest run of a stage (or of one of its partitions), if any. */
export function lastStageRun(repo: Repository, stage: string, partition?: string): Oid | undefined {
  return repo.getConfig<Oid>(LAST + stage + (partition !== undefined ? `/${partition}` : ''));
}

/** Records a stage's failed run (status explains a stage whose current inputs failed). */
export function rememberFailedRun(repo: Repository, stage: string, runId: Oid, partition?: string): void {
  repo.setConfig(FAILED + stage + (partition !== undefined ? `/${partition}` : ''), runId);
}

/** The latest failed run of a stage (or partition), if any. */
export function lastFailedRun(repo: Repository, stage: string, partition?: string): Oid | undefined {
  return repo.getConfig<Oid>(FAILED + stage + (partition !== undefined ? `/${partition}` : ''));
}

/** The run that produced content `id` at `path`, if any. */
export function producerOf(repo: Repository, path: string, id: Oid): Oid | undefined {
  return repo.getConfig<Oid>(producedKey(path, id));
}

/** True when any run has been recorded in this repository (a cheap check before per-file lookups). */
export function hasRecordedRuns(repo: Repository): boolean {
  for (const _ of repo.env.config.getKeys({ start: PRODUCED, end: PRODUCED + '\uffff', limit: 1 })) return true;
  return false;
}

/**
 * The content ids of every output file the run cache can restore: the files (leaves of
 * directory outputs included) of the successful runs its entries name. Runs or trees
 * missing from the store add nothing.
 */
export function cachedOutputIds(repo: Repository): Set<Oid> {
  const ids = new Set<Oid>();
  for (const { value } of repo.env.config.getRange({ start: CACHE, end: CACHE + '\uffff' })) {
    const runId = value as Oid;
    try {
      const run = readRunRecord(repo, runId);
      if (run.status !== 'succeeded') continue;
      for (const [out, id] of Object.entries(run.outs)) {
        for (const leaf of outputLeaves(repo, out as RepoPath, id, run.kinds?.[out])) ids.add(leaf.id);
      }
    } catch {
      continue; // a record or tree gc took: nothing of it can be restored
    }
  }
  return ids;
}

function producedKey(path: string, id: Oid): string {
  return `${PRODUCED}${id}:${path}`;
}
