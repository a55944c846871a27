import type { RunContext, StageOutcome } from './run-context.js';
import { runMapDeltas } from './map-batch.js';
import { checkKeyColumn, findMapBase, planMapDelta, runMapFull, type MapUnit } from './map-unit.js';
import { answerFromCache, cachedRun, readStageState } from './run-stage.js';
import type { Stage } from './stage.js';

/**
 * Brings a row-wise `map` stage up to date. With an earlier successful run under the same
 * command, params, seed, code and other inputs, only the rows of the keyed input that
 * were added, changed or moved since are fed to the command (DV_IN: a file of just those
 * rows, DV_OUT: where it writes their output rows); the earlier output minus the rows of
 * changed and deleted keys is merged with them, in the input's row order. Without such
 * a run (or when most rows changed, or the header did) the command maps the whole input.
 * `verify` also runs the full recompute and fails the stage when the merged result differs.
 */
export async function reproMapStage(ctx: RunContext, stage: Stage, opts: { verify: boolean }): Promise<StageOutcome> {
  const started = Date.now();
  const state = await readStageState(ctx, stage, true);
  const hit = ctx.force ? undefined : cachedRun(ctx, state.key);
  if (hit) return answerFromCache(ctx, stage, hit, started);
  const unit: MapUnit = { input: stage.map!.input!, output: stage.outs[0]!, deps: state.deps, key: state.key };
  // A key the input lacks is refused before anything runs (the first line shows it).
  checkKeyColumn(ctx, unit, stage.map!.key);
  const base = ctx.force ? undefined : findMapBase(ctx, stage, state, unit);
  const plan = base ? planMapDelta(ctx, unit, base, stage.map!.key) : null;
  if (!plan) return runMapFull(ctx, stage, state, unit, stage.map!.key);
  const [outcome] = await runMapDeltas(ctx, stage, state, [plan], opts);
  if (!outcome) return { stage: stage.name, status: 'interrupted', run: null, ms: Date.now() - started };
  return { ...outcome, ms: Date.now() - started };
}
