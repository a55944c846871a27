import fs from 'node:fs';
import path from 'node:path';
import { readFileAlternating, readFileBlocks } from '../rows/index.js';
import { hashWorktreeFile } from '../worktree/index.js';
import { executeCommand } from './execute-command.js';
import { executeRun, type RunPart, type RunSpec } from './execute-run.js';
import { oneRowEach, rememberOneRowEach, startInputCopy } from './input-copies.js';
import { LineWriter } from './line-writer.js';
import type { PlannedDelta } from './map-unit.js';
import { makeScratchDir } from './outputs.js';
import { openPreviousOutput } from './previous-output.js';
import { fedOneRowEach } from './one-row-each.js';
import { DeltaRows, mergeByPosition, mergeKeyedRows, writeFedRows } from './row-merge.js';
import { readRunRecord } from './run-record.js';
import type { RunContext, StageOutcome } from './run-context.js';
import type { StageState } from './run-stage.js';
import type { Stage } from './stage.js';

/**
 * Brings planned units up to date by deltas: the fed rows of units that share a format
 * and header go to one scratch file, the command maps them in one run, and each unit's
 * output is the merge of its previous output with its share of the delta output. A unit
 * whose merge is not in step (the outputs do not follow the input's row order) is mapped
 * in full instead. With `verify`, every merged output is compared with a full recompute.
 * Returns the units' outcomes in the order given.
 */
export async function runMapDeltas(ctx: RunContext, stage: Stage, state: StageState, plans: PlannedDelta[], opts: { verify: boolean }): Promise<StageOutcome[]> {
  const outcomes = new Map<PlannedDelta, StageOutcome>();
  for (const batch of batchesOf(plans)) {
    const done = await runBatch(ctx, stage, state, batch, opts);
    batch.forEach((p, i) => outcomes.set(p, done[i]!));
    if (done.some((o) => o.status === 'failed' || o.status === 'interrupted')) break;
  }
  return plans.map((p) => outcomes.get(p)).filter((o): o is StageOutcome => o !== undefined);
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
    const copies = plans.map((p) => startInputCopy(ctx.repo, abs(p.unit.input), p.unit.deps[p.unit.input]!));
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
        const deltaRows = () => (fs.existsSync(deltaOut) ? readFileBlocks(deltaOut) : [][Symbol.iterator]());
        // One delta row per fed row: where the previous output also has one row per row, merge by position.
        const deltaOneEach = fedOneRowEach(deltaRows(), first.outFormat, key, plans.flatMap((p) => p.diff.fed.map((r) => r.key)));
        const delta = new DeltaRows(deltaRows(), first.outFormat, key, `${stage.name}: the delta output`);
        const full: number[] = [];
        plans.forEach((p, i) => {
          const target = abs(p.unit.output);
          const tmp = path.join(scratch, `merged-${i}${path.extname(target)}`); // same file system: renamed into place
          const out = new LineWriter(tmp);
          const known = oneRowEach(ctx.repo, p.base.run.deps[p.unit.input]!, p.base.run.outs[p.unit.output]!, key);
          const byPosition = deltaOneEach && known === p.diff.previousRows;
          let merged;
          try {
            const args = {
              current: readFileAlternating(abs(p.unit.input)), inFormat: p.inFormat, input: p.unit.input,
              previousOut: previous[i]!.pieces(), outFormat: p.outFormat, output: p.unit.output, key, diff: p.diff, delta, write: out,
            };
            merged = byPosition ? mergeByPosition(args) : mergeKeyedRows(args);
          } finally {
            out.close();
          }
          if (merged.inStep) {
            fs.renameSync(tmp, target);
            rows[i] = merged.rows;
            if (merged.oneRowEach) oneEach[i] = merged.rows;
          } else {
            fs.rmSync(tmp, { force: true });
            full.push(i);
          }
        });
        // Delta rows no merge took: some unit's rows were not in step; which one is unknown.
        if (delta.has) full.splice(0, full.length, ...plans.map((_, i) => i));
        for (const i of full) {
          await mapInFull(ctx, stage, plans[i]!.unit.input, abs(plans[i]!.unit.output), scratch);
          records[i]!.delta = undefined;
          oneEach[i] = undefined;
        }
        if (opts.verify) {
          for (let i = 0; i < plans.length; i++) if (!full.includes(i)) await verifyFullRecompute(ctx, stage, scratch, plans[i]!.unit.input, abs(plans[i]!.unit.output));
        }
      },
    };
    records.push(...(partitioned ? parts : [spec]));
    const r = await executeRun(ctx, spec);
    await Promise.all(copies.map((c, i) => (r.status === 'ran' ? c.keep([plans[i]!.base.run.deps[plans[i]!.unit.input]]) : c.discard())));
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
