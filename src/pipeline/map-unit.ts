import fs from 'node:fs';
import path from 'node:path';
import { encodeCanonical, type CanonicalValue } from '../codec/index.js';
import { createHasher, type Oid } from '../hash/index.js';
import { readFileAlternating, readFileBlocks, RecordCursor } from '../rows/index.js';
import type { RepoPath } from '../util/index.js';
import { executeRun } from './execute-run.js';
import { readInputCopy, rememberOneRowEach, startInputCopy, type PendingCopy } from './input-copies.js';
import { countOneRowEach } from './one-row-each.js';
import { outputsRestorable } from './outputs.js';
import { diffKeyedRows, type RowDelta } from './row-delta.js';
import { RowKeys } from './row-keys.js';
import { rowFormatOf, type RowFormat } from './rows.js';
import { lastStageRun } from './run-cache.js';
import type { RunContext, StageOutcome } from './run-context.js';
import { readRunRecord, type RunRecord } from './run-record.js';
import type { StageState } from './run-stage.js';
import type { Stage } from './stage.js';

/** One keyed input of a row-wise map and the output it maps to: the stage's `map.input`, or one partition. */
export interface MapUnit {
  input: RepoPath;
  output: RepoPath;
  partition?: string;
  /** The run's inputs (for a partition, its file instead of the directory) and run-cache key. */
  deps: Record<string, Oid>;
  key: Oid;
}

/** A unit whose earlier run can be updated by feeding only the rows that changed since. */
export interface PlannedDelta {
  unit: MapUnit;
  base: { id: Oid; run: RunRecord };
  diff: RowDelta;
  inFormat: RowFormat;
  outFormat: RowFormat;
  /** How the input's first line ends (CRLF or LF): inputs fed together share it, as tools often keep it. */
  lineBreak: string;
  /** The copy of the input for the next delta, begun once the diff was done. */
  copy: PendingCopy;
}

/** Refuses, before anything runs, an input whose first line (CSV header, first JSONL row) lacks the key. */
export function checkKeyColumn(ctx: RunContext, unit: MapUnit, key: string): void {
  const c = new RecordCursor(readFileBlocks(path.join(ctx.root, unit.input), 1 << 16), false);
  if (!c.next()) return;
  const format = rowFormatOf(unit.input);
  const keys = new RowKeys(format, key, unit.input);
  if (format === 'csv') keys.header(c.buf, c.start, c.end);
  else {
    keys.locate(c.buf, c.start, c.end);
    keys.keyText();
  }
}

/** The unit's latest run, when it differs from now only in the mapped input and its input and output are stored. */
export function findMapBase(ctx: RunContext, stage: Stage, state: StageState, unit: MapUnit): { id: Oid; run: RunRecord } | undefined {
  const id = lastStageRun(ctx.repo, stage.name, unit.partition);
  if (!id || !ctx.repo.objects.has(id)) return undefined;
  const run = readRunRecord(ctx.repo, id);
  const same = (a: unknown, b: unknown) => encodeCanonical(a as CanonicalValue).equals(encodeCanonical(b as CanonicalValue));
  const others = (deps: Record<string, Oid>) => Object.fromEntries(Object.entries(deps).filter(([p]) => p !== unit.input));
  const code = (c: RunRecord['code']) => (c ? { commit: c.commit, dirty: c.dirtyHash } : null);
  if (run.status !== 'succeeded' || run.cmd !== stage.cmd || run.partition !== unit.partition || !run.deps[unit.input] || !run.outs[unit.output]) return undefined;
  if (!same(run.params, state.params) || run.seed !== ctx.seed || !same(code(run.code), code(ctx.code)) || !same(others(run.deps), others(unit.deps))) return undefined;
  if (!ctx.repo.objects.has(run.deps[unit.input]!) || !outputsRestorable(ctx.repo, run.outs)) return undefined;
  return { id, run };
}

/**
 * Diffs the unit's input against its base run's input (read from its plain copy when
 * there is a good one, else from the store), then begins the current input's copy (over
 * the previous one's). Null when only a full run gives the right result or is cheaper: a
 * changed header, a key the previous input repeats, more than half of the input's bytes
 * to feed.
 */
export function planMapDelta(ctx: RunContext, unit: MapUnit, base: { id: Oid; run: RunRecord }, key: string): PlannedDelta | null {
  const previous = base.run.deps[unit.input]!;
  const abs = path.join(ctx.root, unit.input);
  const inFormat = rowFormatOf(unit.input);
  const diff = (pieces: Iterator<Uint8Array>) => diffKeyedRows(pieces, readFileAlternating(abs), inFormat, key, unit.input, { maxFedBytes: fs.statSync(abs).size / 2 });
  const copy = readInputCopy(ctx.repo, previous);
  let d: RowDelta | undefined;
  if (copy) {
    try {
      d = diff(copy);
    } catch {
      // A copy that is not the content it is named after was removed (StaleInputCopy); any
      // other failure is answered from the store, the source of truth, below.
    }
  }
  d ??= diff(ctx.repo.objects.readContentSync(previous));
  if (d.fullRun) return null;
  // The previous input's copy is done with: it becomes the current input's.
  const next = startInputCopy(ctx.repo, abs, unit.deps[unit.input]!, previous);
  return { unit, base, diff: d, inFormat, outFormat: rowFormatOf(unit.output), lineBreak: firstLineBreak(abs), copy: next };
}

function firstLineBreak(file: string): string {
  const c = new RecordCursor(readFileBlocks(file, 1 << 16), false);
  if (!c.next()) return '';
  return c.buf.toString('latin1', c.end, c.lineEnd);
}

/** The input ids of the unit's latest run (its copy is replaced by the next run's). */
export function previousInputOf(ctx: RunContext, stage: Stage, unit: MapUnit): Oid | undefined {
  const id = lastStageRun(ctx.repo, stage.name, unit.partition);
  if (!id || !ctx.repo.objects.has(id)) return undefined;
  return readRunRecord(ctx.repo, id).deps[unit.input];
}

/** Maps the unit's whole input (DV_IN the input, DV_OUT the output), keeping a copy of the input for the next delta. */
export async function runMapFull(ctx: RunContext, stage: Stage, state: StageState, unit: MapUnit, key: string): Promise<StageOutcome> {
  const copy = startInputCopy(ctx.repo, path.join(ctx.root, unit.input), unit.deps[unit.input]!, previousInputOf(ctx, stage, unit));
  const r = await executeRun(ctx, {
    stage, partition: unit.partition, cmd: stage.cmd, env: { DV_IN: unit.input, DV_OUT: unit.output }, io: { in: unit.input, out: unit.output },
    deps: unit.deps, params: state.params, paramsFiles: state.paramsFiles, outs: [unit.output], key: unit.key,
  });
  if (r.status !== 'ran') {
    await copy.discard();
    return r;
  }
  await copy.keep();
  noteOneRowEach(ctx, unit, r.run!, key);
  return r;
}

/**
 * After a full run: when its output holds one row per input row (in order, with the key),
 * notes it, so the next delta can take the output's rows by position. Reads the input's
 * copy and the output, each hashed and checked against its id as it is read.
 */
function noteOneRowEach(ctx: RunContext, unit: MapUnit, runId: Oid, key: string): void {
  const inputId = unit.deps[unit.input]!;
  const outputId = readRunRecord(ctx.repo, runId).outs[unit.output];
  const input = readInputCopy(ctx.repo, inputId);
  if (!outputId || !input) return;
  try {
    const rows = countOneRowEach(input, rowFormatOf(unit.input), hashedAs(path.join(ctx.root, unit.output), outputId), rowFormatOf(unit.output), key);
    if (rows !== null) rememberOneRowEach(ctx.repo, inputId, outputId, key, rows);
  } catch {
    // A copy or an output that is not what was recorded (changed since): nothing is noted.
  }
}

/** A file's content, throwing at its end unless it hashes to `id`. */
function* hashedAs(file: string, id: Oid): Generator<Uint8Array> {
  const h = createHasher();
  for (const piece of readFileAlternating(file)) {
    h.update(piece);
    yield piece;
  }
  if (h.digest() !== id) throw new Error(`${file} is not ${id}`);
}
