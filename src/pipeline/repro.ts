import path from 'node:path';
import { findGitRepository, readCodeVersion } from '../provenance/index.js';
import { PROJECT_FILE } from '../project/index.js';
import type { Repository } from '../repo/index.js';
import { withWriterLease } from '../store/index.js';
import { reproForeachStage } from './foreach-stage.js';
import { reproMapStage } from './map-stage.js';
import { recoverSetAside } from './outputs.js';
import { OutputCache } from './output-cache.js';
import { loadPipeline, writeStage, type StageDeclaration } from './pipeline-file.js';
import { withPipelineLock } from './pipeline-lock.js';
import type { RunContext, StageOutcome } from './run-context.js';
import { reproStage } from './run-stage.js';
import { selectStages, stageInputs } from './stage-graph.js';
import { DEFAULT_PARAMS_FILE, type Stage } from './stage.js';

export interface ReproOptions {
  /** Stages to bring up to date (with everything upstream); all when empty. */
  stages?: string[];
  /** Run commands even when the run cache answers. */
  force?: boolean;
  /** DV_SEED for the commands (default: the DV_SEED of this process, else none). */
  seed?: string | null;
  /** For row-wise `map` stages (partitioned or not): also recompute in full and fail if a delta result differs. */
  verifyDelta?: boolean;
  signal?: AbortSignal;
  onOutput?: RunContext['onOutput'];
  /** Called as each stage starts, for progress. */
  onStage?: (stage: Stage) => void;
  /**
   * The hook before each stage runs (data contracts check the stage's inputs here);
   * throwing stops the repro before the stage, leaving its outputs as they are.
   */
  beforeStage?: RunContext['beforeStage'];
}

export interface ReproResult {
  stages: StageOutcome[];
  /** True when no stage failed or was interrupted. */
  ok: boolean;
  /** True when the abort signal stopped the repro (during a stage or between stages). */
  interrupted: boolean;
}

/**
 * Files whose edits do not count as dirty code: the pipeline's own description and
 * params files, already part of every run-cache key through commands and param values.
 */
export function pipelineFiles(stages: Stage[]): string[] {
  return [PROJECT_FILE, '.dvignore', DEFAULT_PARAMS_FILE, ...stages.flatMap((s) => s.params.map((p) => p.file))];
}

/** Where the last code version read is memoised (see provenance/code-version-cache.ts). */
const CODE_VERSION_MEMO = path.join('cache', 'code-version.json');

/** Builds the shared context of a repro: code version and seed are read once. */
export async function makeRunContext(repo: Repository, stages: Stage[], opts: Pick<ReproOptions, 'force' | 'seed' | 'signal' | 'onOutput' | 'beforeStage'>): Promise<RunContext> {
  const root = repo.worktree();
  const git = await findGitRepository(root);
  return {
    repo, root,
    code: git ? await readCodeVersion(root, { exclude: pipelineFiles(stages), memoFile: path.join(repo.dvDir, CODE_VERSION_MEMO) }) : null,
    gitRoot: git?.dir ?? null,
    seed: opts.seed !== undefined ? opts.seed : process.env.DV_SEED ?? null,
    force: !!opts.force,
    signal: opts.signal,
    onOutput: opts.onOutput,
    beforeStage: opts.beforeStage,
  };
}

/**
 * Brings stages up to date in dependency order, holding the pipeline lock (a second
 * repro at the same time is refused). The whole pipeline is validated first (cycles,
 * clashing outputs, missing inputs), so a bad dv.yaml runs nothing. Stops at the first
 * stage that fails or is interrupted. Afterwards the output cache is trimmed to its bound.
 */
export function repro(repo: Repository, opts: ReproOptions = {}): Promise<ReproResult> {
  return withPipelineLock(repo, async () => {
    const graph = loadPipeline(repo.worktree());
    const selected = selectStages(graph, opts.stages ?? []);
    const ctx = await makeRunContext(repo, graph.order, opts);
    // One writer lease for the whole repro: gc keeps what the runs store until records and cache name it.
    const result = await withWriterLease(repo.env, () => {
      recoverSetAside(repo);
      return reproStages(ctx, selected, opts);
    });
    new OutputCache(repo).trim();
    return result;
  });
}

/**
 * `dv run`: adds (or with `replace` replaces) a stage in dv.yaml and brings it up to
 * date, all under the pipeline lock, so a run refused by the lock leaves dv.yaml as it was.
 */
export function declareAndRun(repo: Repository, decl: StageDeclaration, opts: Omit<ReproOptions, 'stages'> & { replace?: boolean } = {}): Promise<ReproResult> {
  return withPipelineLock(repo, () => {
    writeStage(repo.worktree(), decl, { force: opts.replace });
    return repro(repo, { ...opts, stages: [decl.name] });
  });
}

async function reproStages(ctx: RunContext, selected: Stage[], opts: ReproOptions): Promise<ReproResult> {
  const repo = ctx.repo;
  const stages: StageOutcome[] = [];
  for (const stage of selected) {
    if (ctx.signal?.aborted) break;
    opts.onStage?.(stage);
    await ctx.beforeStage?.(stage, { repo, inputs: stageInputs(stage) });
    const outcome = stage.foreach ? await reproForeachStage(ctx, stage, { verify: !!opts.verifyDelta })
      : stage.map ? await reproMapStage(ctx, stage, { verify: !!opts.verifyDelta })
        : await reproStage(ctx, stage);
    stages.push(outcome);
    if (outcome.status === 'failed' || outcome.status === 'interrupted') break;
  }
  const interrupted = !!ctx.signal?.aborted || stages.some((s) => s.status === 'interrupted');
  return { stages, ok: !interrupted && stages.every((s) => s.status !== 'failed'), interrupted };
}
