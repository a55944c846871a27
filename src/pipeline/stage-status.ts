import { encodeCanonical, type CanonicalValue } from '../codec/index.js';
import type { Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import type { RepoPath } from '../util/index.js';
import { readPathContent } from '../worktree/index.js';
import { listPartitions, partitionKey } from './foreach-stage.js';
import { loadProjectFile } from '../project/index.js';
import { loadPipeline } from './pipeline-file.js';
import { makeRunContext } from './repro.js';
import { lastFailedRun, lastStageRun } from './run-cache.js';
import type { RunContext } from './run-context.js';
import { readRunRecord, type RunRecord } from './run-record.js';
import { cachedRun, outputsMatch, readStageState } from './run-stage.js';
import type { Stage } from './stage.js';

/** Whether a stage's outputs answer its current inputs, and if not, why. */
export interface StageStatus {
  stage: string;
  /** up-to-date; stale (must run); restorable (the run cache holds the answer: repro restores it without running). */
  state: 'up-to-date' | 'stale' | 'restorable';
  reasons: string[];
}

/**
 * The staleness of every stage in dv.yaml, in dependency order, read only: compares
 * each stage's current command, input ids, params and code version with the run cache
 * and with the stage's last run, to say which of them changed.
 */
export async function pipelineStatus(repo: Repository): Promise<StageStatus[]> {
  const graph = loadPipeline(repo.worktree());
  const ctx = await makeRunContext(repo, graph.order, {});
  const out: StageStatus[] = [];
  const notFresh = new Set<string>();
  for (const stage of graph.order) {
    const ups = (graph.upstream.get(stage.name) ?? []).filter((u) => notFresh.has(u));
    let s: StageStatus;
    if (ups.length > 0) s = { stage: stage.name, state: 'stale', reasons: ups.map((u) => `upstream stage ${u} is not up to date`) };
    else s = stage.foreach ? await foreachStatus(ctx, stage) : await plainStatus(ctx, stage);
    if (s.state !== 'up-to-date') notFresh.add(stage.name);
    out.push(s);
  }
  return out;
}

async function plainStatus(ctx: RunContext, stage: Stage): Promise<StageStatus> {
  let state;
  try {
    state = await readStageState(ctx, stage, false);
  } catch (err) {
    return { stage: stage.name, state: 'stale', reasons: [(err as Error).message.replace(/^stage \S+: /, '')] };
  }
  const hit = cachedRun(ctx, state.key);
  if (hit && outputsMatch(ctx, hit.run.outs)) return { stage: stage.name, state: 'up-to-date', reasons: [] };
  const lastId = lastStageRun(ctx.repo, stage.name);
  const last = lastId && ctx.repo.objects.has(lastId) ? readRunRecord(ctx.repo, lastId) : undefined;
  const reasons = last ? explainChange(ctx, last, { ...state, cmd: stage.cmd }) : ['never run'];
  const failedId = lastFailedRun(ctx.repo, stage.name);
  const failed = failedId && ctx.repo.objects.has(failedId) ? readRunRecord(ctx.repo, failedId) : undefined;
  if (failed && failed.key === state.key) reasons.unshift(`the last run with these inputs failed (${failed.exit !== null ? `exit ${failed.exit}` : failed.signal})`);
  if (hit) {
    if (reasons.length === 0) reasons.push('outputs differ from the recorded run');
    reasons.push('the run cache holds the result: repro restores it without running');
  }
  if (reasons.length === 0) reasons.push('no successful run for the current inputs');
  return { stage: stage.name, state: hit ? 'restorable' : 'stale', reasons };
}

/** What differs between a recorded run and a stage's current state, in words. */
export function explainChange(ctx: RunContext, last: RunRecord, now: { cmd: string; deps: Record<string, Oid>; params: Record<string, unknown> }): string[] {
  const reasons: string[] = [];
  if (last.cmd !== now.cmd) reasons.push('command changed');
  for (const [p, id] of Object.entries(now.deps)) {
    if (!(p in last.deps)) reasons.push(`dependency ${p} added`);
    else if (last.deps[p] !== id) reasons.push(`dependency ${p} changed`);
  }
  for (const p of Object.keys(last.deps)) if (!(p in now.deps)) reasons.push(`dependency ${p} removed`);
  const enc = (v: unknown) => encodeCanonical((v ?? null) as CanonicalValue).toString('hex');
  for (const [k, v] of Object.entries(now.params)) {
    if (!(k in last.params)) reasons.push(`param ${k} added`);
    else if (enc(last.params[k]) !== enc(v)) reasons.push(`param ${k} changed (${JSON.stringify(last.params[k])} -> ${JSON.stringify(v)})`);
  }
  for (const k of Object.keys(last.params)) if (!(k in now.params)) reasons.push(`param ${k} removed`);
  if ((last.seed ?? null) !== ctx.seed) reasons.push(`seed changed (${last.seed ?? 'unset'} -> ${ctx.seed ?? 'unset'})`);
  const code = (c: RunRecord['code']) => (c ? `${c.commit?.slice(0, 12) ?? 'no commit'}${c.dirty ? ' (dirty)' : ''}` : 'none');
  if (code(last.code) !== code(ctx.code) || (last.code?.dirtyHash ?? null) !== (ctx.code?.dirtyHash ?? null)) {
    reasons.push(`code version changed (${code(last.code)} -> ${code(ctx.code)})`);
  }
  if (last.status === 'succeeded') {
    for (const [p, id] of Object.entries(last.outs)) {
      const cur = readPathContent(ctx.repo, p as RepoPath);
      if (!cur) reasons.push(`output ${p} missing`);
      else if (cur.id !== id) reasons.push(`output ${p} modified`);
    }
  }
  return reasons;
}

async function foreachStatus(ctx: RunContext, stage: Stage): Promise<StageStatus> {
  const dir = stage.foreach!;
  const out = stage.outs[0]!;
  let state;
  try {
    state = await readStageState(ctx, stage, false);
  } catch (err) {
    return { stage: stage.name, state: 'stale', reasons: [(err as Error).message.replace(/^stage \S+: /, '')] };
  }
  const partitions = listPartitions(readPathContent(ctx.repo, dir), dir, out);
  const reasons: string[] = [];
  let restorable = true;
  for (const p of partitions) {
    const hit = cachedRun(ctx, partitionKey(ctx, stage, state, p));
    if (hit && outputsMatch(ctx, hit.run.outs)) continue;
    if (!hit) restorable = false;
    const last = lastStageRun(ctx.repo, stage.name, p.name);
    reasons.push(`partition ${p.name} ${!last ? 'is new' : hit ? 'output differs (restorable from the run cache)' : 'changed'}`);
  }
  const wanted = new Set(partitions.map((p) => p.output));
  const current = readPathContent(ctx.repo, out);
  for (const p of current?.leaves.keys() ?? []) if (!wanted.has(p)) reasons.push(`output ${p} belongs to no partition`);
  if (reasons.length === 0) return { stage: stage.name, state: 'up-to-date', reasons };
  return { stage: stage.name, state: restorable && reasons.every((r) => r.includes('restorable')) ? 'restorable' : 'stale', reasons };
}

/** pipelineStatus when dv.yaml declares stages; undefined otherwise (plain data repositories pay nothing). */
export async function pipelineStatusIfDeclared(repo: Repository): Promise<StageStatus[] | undefined> {
  const project = loadProjectFile(repo.worktree());
  if (project.sections.stages === undefined || project.sections.stages === null) return undefined;
  return pipelineStatus(repo);
}
