import type { Oid } from '../hash/index.js';
import type { RepoPath } from '../util/index.js';
import { captureInputs, readInputIds } from './inputs.js';
import { executeRun } from './execute-run.js';
import { outputsRestorable, restoreOutputs } from './outputs.js';
import { readParams } from './params.js';
import { lookupRun, rememberStageRun, runKey } from './run-cache.js';
import type { RunContext, StageOutcome } from './run-context.js';
import { readRunRecord, type RunRecord } from './run-record.js';
import { stageInputs } from './stage-graph.js';
import type { Stage } from './stage.js';

/** A stage's inputs as they are now: ids, params, the run-cache key. */
export interface StageState {
  deps: Record<string, Oid>;
  params: Record<string, unknown>;
  paramsFiles: Record<string, Oid>;
  key: Oid;
}

/** Reads a stage's current inputs (storing any the store lacks when `capture`) and computes its run-cache key. */
export async function readStageState(ctx: RunContext, stage: Stage, capture: boolean): Promise<StageState> {
  const params = readParams(ctx.root, stage.params, stage.name);
  const paramFiles = [...new Set(stage.params.map((p) => p.file))];
  const inputs = stageInputs(stage);
  const all = capture ? await captureInputs(ctx.repo, stage.name, inputs, paramFiles) : readInputIds(ctx.repo, stage.name, [...inputs, ...paramFiles]);
  const deps: Record<string, Oid> = {};
  const paramsFiles: Record<string, Oid> = {};
  for (const p of inputs) deps[p] = all[p]!;
  for (const p of paramFiles) paramsFiles[p] = all[p]!;
  const key = runKey({ cmd: stage.cmd, deps, outs: stage.outs, params, seed: ctx.seed, code: ctx.code });
  return { deps, params, paramsFiles, key };
}

/** The cached successful run for a key whose outputs can all be restored, if any. */
export function cachedRun(ctx: RunContext, key: Oid): { id: Oid; run: RunRecord } | undefined {
  const id = lookupRun(ctx.repo, key);
  if (!id || !ctx.repo.objects.has(id)) return undefined;
  const run = readRunRecord(ctx.repo, id);
  if (run.status !== 'succeeded' || !outputsRestorable(ctx.repo, run.outs)) return undefined;
  return { id, run };
}

/** True when the working tree holds exactly these outputs. */
export function outputsMatch(ctx: RunContext, outs: Record<string, Oid>): boolean {
  try {
    const current = readInputIds(ctx.repo, '', Object.keys(outs) as RepoPath[]);
    return Object.entries(outs).every(([p, id]) => current[p] === id);
  } catch {
    return false; // an output is missing
  }
}

/**
 * Serves a stage (or partition) from a cached run: nothing to do when the working tree
 * holds its outputs, else they are restored (from the output cache, else the store).
 * Either way the cached run becomes the stage's latest.
 */
export async function answerFromCache(ctx: RunContext, stage: Stage, hit: { id: Oid; run: RunRecord }, started: number, partition?: string): Promise<StageOutcome> {
  rememberStageRun(ctx.repo, stage.name, hit.id, partition);
  if (outputsMatch(ctx, hit.run.outs)) return { stage: stage.name, partition, status: 'up-to-date', run: hit.id, ms: Date.now() - started };
  const restore = await restoreOutputs(ctx.repo, hit.run.outs, { kinds: hit.run.kinds });
  return { stage: stage.name, partition, status: 'restored', run: hit.id, ms: Date.now() - started, restore };
}

/**
 * Brings one plain stage up to date: nothing to do when the run cache answers its
 * current inputs and the outputs are in place; outputs restored from the store when
 * the cache answers but the working tree differs; otherwise the command runs.
 */
export async function reproStage(ctx: RunContext, stage: Stage): Promise<StageOutcome> {
  const started = Date.now();
  const state = await readStageState(ctx, stage, true);
  const hit = ctx.force ? undefined : cachedRun(ctx, state.key);
  if (hit) return answerFromCache(ctx, stage, hit, started);
  return executeRun(ctx, { stage, cmd: stage.cmd, deps: state.deps, params: state.params, paramsFiles: state.paramsFiles, outs: stage.outs, key: state.key });
}
