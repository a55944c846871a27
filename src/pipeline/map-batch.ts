import fs from 'node:fs';
import path from 'node:path';
import { readFileAlternating, readFileBlocks } from '../rows/index.js';
import { hashWorktreeFile } from '../worktree/index.js';
import { executeCommand } from './execute-command.js';
import { executeRun, type RunPart, type RunSpec } from './execute-run.js';
import { oneRowEach, rememberOneRowEach } from './input-copies.js';
import { LineWriter } from './line-writer.js';
import type { PlannedDelta } from './map-unit.js';
import { makeScratchDir } from './outputs.js';
import { openPreviousOutput, type PreviousOutput } from './previous-output.js';
import { fedOneRowEach } from './one-row-each.js';
import { DeltaRows, mergeByPosition, mergeKeyedRows, writeFedRows, type MergeResult } from './row-merge.js';
import { readRunRecord } from './run-record.js';
import type { RunContext, StageOutcome } from './run-context.js';
import type { StageState } from './run-stage.js';
import type { Stage } from './stage.js';

/**
 * Brings planned units up to date by deltas: the fed rows of units that share a format,
 * header and line breaks go to one scratch file, the command maps them in one run, and
 * each unit's output is the merge of its previous output with its share of the delta
 * output. A unit whose merge is not in step (the outputs do not follow the input's row
 * order) is mapped in full instead, in the same run. With `verify`, every merged output is
 * compared with a full recompute. Returns the units' outcomes in the order given
 * (undefined for units not run: a batch before them failed, or dv was interrupted).
 */
export async function runMapDeltas(ctx: RunContext, stage: Stage, state: StageState, plans: PlannedDelta[], opts: { verify: boolean }): Promise<Array<StageOutcome | undefined>> {
  const outcomes = new Map<PlannedDelta, StageOutcome>();
  try {
    for (const batch of batchesOf(plans)) {
      if (ctx.signal?.aborted) break;
      const done = await runBatch(ctx, stage, state, batch, opts);
      batch.forEach((p, i) => outcomes.set(p, done[i]!));
      if (done.some((o) => o.status === 'failed' || o.status === 'interrupted')) break;
    }
  } finally {
    await discardCopies(plans.filter((p) => !outcomes.has(p)));
  }
  return plans.map((p) => outcomes.get(p));
}

/** Throws away the input copies the diffs of plans that will not run made. */
export async function discardCopies(plans: PlannedDelta[]): Promise<void> {
  await Promise.all(plans.map((p) => p.copy.discard()));
}

/**
 * Groups units fed in one run: same input format, header and line breaks, same output
 * format, and no key fed by two units (so each row of the delta output belongs to exactly
 * one unit).
 */
function batchesOf(plans: PlannedDelta[]): PlannedDelta[][] {
  const batches: Array<{ kind: string; plans: PlannedDelta[]; keys: Set<string> }> = [];
  for (const p of plans) {
    const kind = JSON.stringify([p.inFormat, p.outFormat, p.diff.header, p.lineBreak, path.extname(p.unit.input), path.extname(p.unit.output)]);
    let batch = batches.find((b) => b.kind === kind && !p.diff.fed.some((r) => b.keys.has(r.key)));
    if (!batch) batches.push((batch = { kind, plans: [], keys: new Set() }));
    for (const r of p.diff.fed) batch.keys.add(r.key);
    batch.plans.push(p);
  }
  return batches.map((b) => b.plans);
}

async function runBatch(ctx: RunContext, stage: Stage, state: StageState, plans: PlannedDelta[], opts: { verify: boolean }): Promise<StageOutcome[]> {
  const first = plans[0]!;
  const key = stage.map!.key;
  const scratch = makeScratchDir(ctx.repo, 'map');
  const abs = (p: string) => path.join(ctx.root, p);
  const deltaIn = path.join(scratch, `delta-in${path.extname(first.unit.input)}`);
  const deltaOut = path.join(scratch, `delta-out${path.extname(first.unit.output)}`);
  const previous = plans.map((p) => openPreviousOutput(ctx, p.unit.output, p.base.run.outs[p.unit.output]!));
  try {
    const w = new LineWriter(deltaIn);
    try {
      plans.forEach((p, i) => writeFedRows(abs(p.unit.input), p.diff, w, { header: i === 0 }));
    } finally {
      w.close();
    }
    const records: Array<RunSpec | RunPart> = [];
    const rows = plans.map(() => 0);
    /** Merged outputs with one row per input row: their row counts. */
    const oneEach: Array<number | undefined> = plans.map(() => undefined);
    const partitioned = first.unit.partition !== undefined;
    const parts: RunPart[] = plans.map((p) => ({
      partition: p.unit.partition ?? '', deps: p.unit.deps, outs: [p.unit.output], key: p.unit.key,
      delta: { fed: p.diff.fed.length, dropped: p.diff.deleted, base: p.base.id }, io: { in: p.unit.input, out: p.unit.output },
    }));
    const spec: RunSpec = {
      stage, cmd: stage.cmd, env: { DV_IN: deltaIn, DV_OUT: deltaOut }, params: state.params, paramsFiles: state.paramsFiles,
      outs: plans.map((p) => p.unit.output),
      ...(partitioned ? { deps: {}, key: first.unit.key, parts } : { deps: first.unit.deps, key: first.unit.key, delta: parts[0]!.delta, io: parts[0]!.io }),
      finish: async () => {
        const merged = mergeBatch(ctx, plans, previous, deltaOut, scratch, key, stage.name);
        merged.rows.forEach((n, i) => { rows[i] = n; oneEach[i] = merged.oneEach[i]; });
        for (const i of merged.full) {
          await mapInFull(ctx, stage, plans[i]!.unit.input, abs(plans[i]!.unit.output), scratch);
          records[i]!.delta = undefined;
          oneEach[i] = undefined;
        }
        if (opts.verify) {
          for (let i = 0; i < plans.length; i++) if (!merged.full.includes(i)) await verifyFullRecompute(ctx, stage, scratch, plans[i]!.unit.input, abs(plans[i]!.unit.output));
        }
      },
    };
    records.push(...(partitioned ? parts : [spec]));
    const r = await executeRun(ctx, spec);
    await Promise.all(plans.map((p) => (r.status === 'ran' ? p.copy.keep() : p.copy.discard())));
    if (r.status === 'ran') {
      const runs = partitioned ? (r.partitions ?? []).map((o) => o.run) : [r.run];
      plans.forEach((p, i) => {
        const run = runs[i];
        const n = oneEach[i];
        if (run && n !== undefined) rememberOneRowEach(ctx.repo, p.unit.deps[p.unit.input]!, readRunRecord(ctx.repo, run).outs[p.unit.output]!, key, n);
      });
    }
    const sized = (o: StageOutcome, i: number): StageOutcome => {
      const rec = records[i]!;
      const verified = opts.verify && o.status === 'ran' && rec.delta ? true : undefined;
      return rec.delta && o.status === 'ran' ? { ...o, delta: { fed: rec.delta.fed, dropped: rec.delta.dropped, total: rows[i]! }, verified } : o;
    };
    if (!partitioned) return [sized(r, 0)];
    return (r.partitions ?? plans.map(() => r)).map(sized);
  } finally {
    for (const p of previous) p.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** What merging a batch gave, per unit: its input's rows, the rows of a merged output with one row per input row, and the units left to map in full. */
interface BatchMerge {
  rows: number[];
  oneEach: Array<number | undefined>;
  full: number[];
}

/**
 * Merges each unit's previous output with its share of the delta output into its output
 * path (written in scratch, renamed into place): by position where the previous output
 * has one row per previous row and the delta output one per fed row, else by key. Units
 * whose merge is not in step are left to map in full — all of them when delta rows are
 * left over (which unit missed them is unknown).
 */
function mergeBatch(ctx: RunContext, plans: PlannedDelta[], previous: PreviousOutput[], deltaOut: string, scratch: string, key: string, stage: string): BatchMerge {
  const first = plans[0]!;
  const result: BatchMerge = { rows: plans.map(() => 0), oneEach: plans.map(() => undefined), full: [] };
  const deltaRows = () => (fs.existsSync(deltaOut) ? readFileBlocks(deltaOut) : [][Symbol.iterator]());
  const deltaOneEach = fedOneRowEach(deltaRows(), first.outFormat, key, plans.flatMap((p) => p.diff.fed.map((r) => r.key)));
  const delta = new DeltaRows(deltaRows(), first.outFormat, key, `${stage}: the delta output`);
  plans.forEach((p, i) => {
    const target = path.join(ctx.root, p.unit.output);
    const tmp = path.join(scratch, `merged-${i}${path.extname(target)}`);
    const known = oneRowEach(ctx.repo, p.base.run.deps[p.unit.input]!, p.base.run.outs[p.unit.output]!, key);
    const out = new LineWriter(tmp);
    let merged: MergeResult;
    try {
      const args = {
        current: readFileAlternating(path.join(ctx.root, p.unit.input)), inFormat: p.inFormat, input: p.unit.input,
        previousOut: previous[i]!.pieces(), outFormat: p.outFormat, output: p.unit.output, key, diff: p.diff, delta, write: out,
      };
      merged = deltaOneEach && known === p.diff.previousRows ? mergeByPosition(args) : mergeKeyedRows(args);
    } finally {
      out.close();
    }
    if (!merged.inStep) {
      result.full.push(i);
      return;
    }
    fs.renameSync(tmp, target);
    result.rows[i] = merged.rows;
    if (merged.oneRowEach) result.oneEach[i] = merged.rows;
  });
  if (delta.has) result.full = plans.map((_, i) => i);
  return result;
}

/** Runs the stage's command over a whole input into `outFile` (what a full run of it writes). */
async function mapInFull(ctx: RunContext, stage: Stage, input: string, outFile: string, scratch: string): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, DV_STAGE: stage.name, DV_IN: input, DV_OUT: outFile };
  if (ctx.seed !== null) env.DV_SEED = ctx.seed;
  else delete env.DV_SEED;
  const logs = fs.mkdtempSync(path.join(scratch, 'full-'));
  const r = await executeCommand({ cmd: stage.cmd, cwd: ctx.root, env, stdoutFile: path.join(logs, 'stdout'), stderrFile: path.join(logs, 'stderr'), signal: ctx.signal });
  if (r.exit !== 0) throw new Error(`the full run of ${input} failed (exit ${r.exit ?? r.signal})`);
}

/** Maps the whole input into scratch and compares it with the merged output. */
async function verifyFullRecompute(ctx: RunContext, stage: Stage, scratch: string, input: string, merged: string): Promise<void> {
  const full = path.join(scratch, `full${path.extname(merged)}`);
  try {
    await mapInFull(ctx, stage, input, full, scratch);
  } catch (err) {
    throw new Error(`--verify-delta: ${(err as Error).message}`);
  }
  if (hashWorktreeFile(full, 'file', full) !== hashWorktreeFile(merged, 'file', merged)) {
    throw new Error(`--verify-delta: the delta result differs from the full recompute (${input})`);
  }
  fs.rmSync(full, { force: true });
}
