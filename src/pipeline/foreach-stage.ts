import fs from 'node:fs';
import path from 'node:path';
import type { Oid } from '../hash/index.js';
import type { RepoPath } from '../util/index.js';
import { add, readPathContent, type PathContent } from '../worktree/index.js';
import { executeRun } from './execute-run.js';
import { runKey } from './run-cache.js';
import type { RunContext, StageOutcome } from './run-context.js';
import { answerFromCache, cachedRun, readStageState } from './run-stage.js';
import type { Stage } from './stage.js';

/** One partition of a `foreach` stage: an input file and the output file it maps to. */
export interface Partition {
  name: string;
  input: RepoPath;
  output: RepoPath;
  id: Oid;
}

/** The partitions of a `foreach` stage as the working tree holds them now. */
export function listPartitions(content: PathContent | undefined, dir: RepoPath, out: RepoPath): Partition[] {
  if (!content || content.kind !== 'tree') return [];
  return [...content.leaves].map(([p, leaf]) => {
    const name = p.slice(dir.length + 1);
    return { name, input: p, output: `${out}/${name}` as RepoPath, id: leaf.id };
  });
}

/** A partition's inputs: the stage's deps with the partitioned directory replaced by the partition's file. */
export function partitionDeps(stage: Stage, deps: Record<string, Oid>, p: Partition): Record<string, Oid> {
  const out = { ...deps, [p.input]: p.id };
  delete out[stage.foreach!];
  return out;
}

/** The run-cache key of one partition: the stage's key inputs plus the partition's file id. */
export function partitionKey(ctx: RunContext, stage: Stage, state: { deps: Record<string, Oid>; params: Record<string, unknown> }, p: Partition): Oid {
  return runKey({ cmd: stage.cmd, deps: partitionDeps(stage, state.deps, p), outs: [p.output], params: state.params, seed: ctx.seed, code: ctx.code, partition: p.name });
}

/**
 * Brings a partition-wise stage up to date: each file of the `foreach` directory is one
 * run (DV_IN: the file, DV_OUT: the same name under the stage's output directory),
 * cached on its own, so after a correction only added or changed partitions run.
 * Outputs of deleted partitions are removed.
 */
export async function reproForeachStage(ctx: RunContext, stage: Stage): Promise<StageOutcome> {
  const started = Date.now();
  const dir = stage.foreach!;
  const out = stage.outs[0]!;
  const state = await readStageState(ctx, stage, true);
  // The directory's files were stored with the stage's inputs, so every partition is replayable.
  const partitions = listPartitions(readPathContent(ctx.repo, dir), dir, out);
  const results: StageOutcome[] = [];
  for (const p of partitions) {
    if (ctx.signal?.aborted) break;
    const key = partitionKey(ctx, stage, state, p);
    const deps = partitionDeps(stage, state.deps, p);
    const hit = ctx.force ? undefined : cachedRun(ctx, key);
    let r: StageOutcome;
    if (hit) {
      r = await answerFromCache(ctx, stage, hit, Date.now(), p.name);
    } else {
      r = await executeRun(ctx, {
        stage, partition: p.name, cmd: stage.cmd, env: { DV_IN: p.input, DV_OUT: p.output }, io: { in: p.input, out: p.output },
        deps, params: state.params, paramsFiles: state.paramsFiles, outs: [p.output], key,
      });
    }
    results.push(r);
    if (r.status === 'failed' || r.status === 'interrupted') break;
  }
  const failed = results.find((r) => r.status === 'failed' || r.status === 'interrupted');
  if (!failed) {
    // Outputs whose partition is gone are removed, and the output directory staged as it now is.
    const wanted = new Set(partitions.map((p) => p.output));
    const current = readPathContent(ctx.repo, out);
    const stale = current ? [...current.leaves.keys()].filter((p) => !wanted.has(p)) : [];
    for (const p of stale) fs.rmSync(path.join(ctx.root, p), { force: true });
    if (current) await add(ctx.repo, { paths: [out], cwd: ctx.root });
  }
  const status = failed?.status ?? (results.some((r) => r.status === 'ran') ? 'ran' : results.some((r) => r.status === 'restored') ? 'restored' : 'up-to-date');
  return { stage: stage.name, status, run: failed?.run ?? null, exit: failed?.exit, stderrTail: failed?.stderrTail, reason: failed?.reason, ms: Date.now() - started, partitions: results };
}
