import fs from 'node:fs';
import path from 'node:path';
import type { Oid } from '../hash/index.js';
import type { RepoPath } from '../util/index.js';
import { add, readPathContent, type PathContent } from '../worktree/index.js';
import { executeRun } from './execute-run.js';
import { dropInputCopies } from './input-copies.js';
import { discardCopies, runMapDeltas } from './map-batch.js';
import { checkKeyColumn, findMapBase, planMapDelta, runMapFull, type MapUnit, type PlannedDelta } from './map-unit.js';
import { lastStageRun, runKey } from './run-cache.js';
import type { RunContext, StageOutcome } from './run-context.js';
import { readRunRecord } from './run-record.js';
import { answerFromCache, cachedRun, readStageState, type StageState } from './run-stage.js';
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
 * Outputs of deleted partitions are removed. With `map` as well, a changed partition
 * with an earlier run is updated by a delta of its rows, and the changed rows of all
 * such partitions are fed to the command in one run (map-batch.ts).
 */
export async function reproForeachStage(ctx: RunContext, stage: Stage, opts: { verify: boolean } = { verify: false }): Promise<StageOutcome> {
  const started = Date.now();
  const dir = stage.foreach!;
  const out = stage.outs[0]!;
  const state = await readStageState(ctx, stage, true);
  // The directory's files were stored with the stage's inputs, so every partition is replayable.
  const partitions = listPartitions(readPathContent(ctx.repo, dir), dir, out);
  const results = new Map<string, StageOutcome>();
  const stopped = () => [...results.values()].some((r) => r.status === 'failed' || r.status === 'interrupted');
  const toRun: Partition[] = [];
  for (const p of partitions) {
    const hit = ctx.force ? undefined : cachedRun(ctx, partitionKey(ctx, stage, state, p));
    if (hit) results.set(p.name, await answerFromCache(ctx, stage, hit, Date.now(), p.name));
    else toRun.push(p);
  }
  if (stage.map) {
    const units = toRun.map((p) => partitionUnit(ctx, stage, state, p));
    // A partition lacking the key is refused before anything runs.
    for (const u of units) checkKeyColumn(ctx, u, stage.map.key);
    const plans: PlannedDelta[] = [];
    for (const u of units) {
      if (ctx.signal?.aborted || stopped()) break;
      const base = ctx.force ? undefined : findMapBase(ctx, stage, state, u);
      const plan = base ? planMapDelta(ctx, u, base, stage.map.key) : null;
      if (plan) plans.push(plan);
      else results.set(u.partition!, await runMapFull(ctx, stage, state, u, stage.map.key));
    }
    if (plans.length > 0 && !ctx.signal?.aborted && !stopped()) {
      const done = await runMapDeltas(ctx, stage, state, plans, opts);
      done.forEach((r, i) => { if (r) results.set(plans[i]!.unit.partition!, r); });
    } else await discardCopies(plans);
  } else {
    for (const p of toRun) {
      if (ctx.signal?.aborted || stopped()) break;
      results.set(p.name, await executeRun(ctx, {
        stage, partition: p.name, cmd: stage.cmd, env: { DV_IN: p.input, DV_OUT: p.output }, io: { in: p.input, out: p.output },
        deps: partitionDeps(stage, state.deps, p), params: state.params, paramsFiles: state.paramsFiles, outs: [p.output], key: partitionKey(ctx, stage, state, p),
      }));
    }
  }
  const ordered = partitions.map((p) => results.get(p.name)).filter((r): r is StageOutcome => r !== undefined);
  const failed = ordered.find((r) => r.status === 'failed' || r.status === 'interrupted');
  if (!failed) {
    // Outputs whose partition is gone are removed, and the output directory staged as it now is.
    const wanted = new Set(partitions.map((p) => p.output));
    const current = readPathContent(ctx.repo, out);
    const stale = current ? [...current.leaves.keys()].filter((p) => !wanted.has(p)) : [];
    for (const p of stale) fs.rmSync(path.join(ctx.root, p), { force: true });
    if (stage.map) dropInputCopies(ctx.repo, stale.flatMap((p) => goneInput(ctx, stage, p.slice(out.length + 1))));
    if (current) await add(ctx.repo, { paths: [out], cwd: ctx.root });
  }
  const status = failed?.status ?? (ordered.some((r) => r.status === 'ran') ? 'ran' : ordered.some((r) => r.status === 'restored') ? 'restored' : 'up-to-date');
  return { stage: stage.name, status, run: failed?.run ?? null, exit: failed?.exit, stderrTail: failed?.stderrTail, reason: failed?.reason, ms: Date.now() - started, partitions: ordered };
}

/** A partition of a `foreach` + `map` stage as a keyed input. */
function partitionUnit(ctx: RunContext, stage: Stage, state: StageState, p: Partition): MapUnit {
  return { input: p.input, output: p.output, partition: p.name, deps: partitionDeps(stage, state.deps, p), key: partitionKey(ctx, stage, state, p) };
}

/** The input a gone partition's latest run read (its copy is no longer needed). */
function goneInput(ctx: RunContext, stage: Stage, name: string): Oid[] {
  const id = lastStageRun(ctx.repo, stage.name, name);
  if (!id || !ctx.repo.objects.has(id)) return [];
  const input = readRunRecord(ctx.repo, id).deps[`${stage.foreach}/${name}`];
  return input ? [input] : [];
}
