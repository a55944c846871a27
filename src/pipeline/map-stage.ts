import fs from 'node:fs';
import path from 'node:path';
import { encodeCanonical, type CanonicalValue } from '../codec/index.js';
import { InvalidInputError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { hashWorktreeFile } from '../worktree/index.js';
import { executeCommand } from './execute-command.js';
import { executeRun } from './execute-run.js';
import { makeScratchDir, outputsRestorable } from './outputs.js';
import { lastStageRun } from './run-cache.js';
import type { RunContext, StageOutcome } from './run-context.js';
import { readRunRecord, type RunRecord } from './run-record.js';
import { answerFromCache, cachedRun, readStageState, type StageState } from './run-stage.js';
import { fileChunks, lines, rowFingerprint, rowFormatOf, scanKeyedRows, type RowFormat } from './rows.js';
import type { Stage } from './stage.js';

/**
 * Brings a row-wise `map` stage up to date. With an earlier successful run under the same
 * command, params, seed, code and other inputs, only the rows of the keyed input that
 * were added or changed since are fed to the command (DV_IN: a file of just those rows,
 * DV_OUT: where it writes their output rows); the earlier output minus the rows of
 * changed and deleted keys is merged with them, in the input's row order. Without such
 * a run the command maps the whole input. `verify` also runs the full recompute and
 * fails the stage when the merged result differs.
 */
export async function reproMapStage(ctx: RunContext, stage: Stage, opts: { verify: boolean }): Promise<StageOutcome> {
  const started = Date.now();
  const { input, key: keyCol } = stage.map!;
  const out = stage.outs[0]!;
  const state = await readStageState(ctx, stage, true);
  const hit = ctx.force ? undefined : cachedRun(ctx, state.key);
  if (hit) return answerFromCache(ctx, stage, hit, started);
  const format = rowFormatOf(input);
  // A key the input lacks is refused before anything runs (the first row shows it).
  scanKeyedRows(lines(fileChunks(path.join(ctx.root, input))), format, keyCol, input).forEach(() => false);
  const io = { in: input, out };
  const common = { stage, cmd: stage.cmd, io, deps: state.deps, params: state.params, paramsFiles: state.paramsFiles, outs: [out], key: state.key };
  const scratch = makeScratchDir(ctx.repo, 'map');
  try {
    const base = ctx.force ? undefined : findBase(ctx, stage, state);
    if (!base) {
      const r = await executeRun(ctx, { ...common, env: { DV_IN: input, DV_OUT: out } });
      return r; // a full run: nothing to verify
    }
    const deltaIn = path.join(scratch, `delta-in${path.extname(input)}`);
    const deltaOut = path.join(scratch, `delta-out${path.extname(out)}`);
    const diff = writeDeltaInput(ctx, base.run.deps[input]!, path.join(ctx.root, input), deltaIn, format, keyCol, input);
    const r = await executeRun(ctx, {
      ...common,
      env: { DV_IN: deltaIn, DV_OUT: deltaOut },
      delta: { fed: diff.fed.size, dropped: diff.deleted.size, base: base.id },
      finish: async () => {
        const merged = path.join(ctx.root, out);
        mergeOutputs(ctx, { baseOut: base.run.outs[out]!, deltaOut, order: diff.order, keyCol, drop: new Set([...diff.fed, ...diff.deleted]), dest: merged, outName: out, outFormat: rowFormatOf(out) });
        if (opts.verify) await verifyFullRecompute(ctx, stage, scratch, merged);
      },
    });
    return { ...r, delta: { fed: diff.fed.size, dropped: diff.deleted.size, total: diff.total }, verified: opts.verify && r.status === 'ran' ? true : undefined };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The latest run of the stage that differs from now only in the mapped input, with its outputs stored. */
function findBase(ctx: RunContext, stage: Stage, state: StageState): { id: Oid; run: RunRecord } | undefined {
  const id = lastStageRun(ctx.repo, stage.name);
  if (!id || !ctx.repo.objects.has(id)) return undefined;
  const run = readRunRecord(ctx.repo, id);
  const input = stage.map!.input;
  const same = (a: unknown, b: unknown) => encodeCanonical(a as CanonicalValue).equals(encodeCanonical(b as CanonicalValue));
  const others = (deps: Record<string, Oid>) => Object.fromEntries(Object.entries(deps).filter(([p]) => p !== input));
  const code = (c: RunRecord['code']) => (c ? { commit: c.commit, dirty: c.dirtyHash } : null);
  if (run.status !== 'succeeded' || run.cmd !== stage.cmd || !run.deps[input] || !run.outs[stage.outs[0]!]) return undefined;
  if (!same(run.params, state.params) || run.seed !== ctx.seed || !same(code(run.code), code(ctx.code)) || !same(others(run.deps), others(state.deps))) return undefined;
  if (!ctx.repo.objects.has(run.deps[input]!) || !outputsRestorable(ctx.repo, run.outs)) return undefined;
  return { id, run };
}

/** Writes the rows of `current` that are new or changed against `previous` (by key) to `dest`; returns the keys fed and deleted. */
function writeDeltaInput(ctx: RunContext, previous: Oid, current: string, dest: string, format: RowFormat, keyCol: string, name: string) {
  const old = new Map<string, number>();
  scanKeyedRows(lines(ctx.repo.objects.readContentSync(previous)), format, keyCol, `${name} (previous)`)
    .forEach((k, line) => { old.set(k, rowFingerprint(line)); });
  const now = scanKeyedRows(lines(fileChunks(current)), format, keyCol, name);
  const out = new LineWriter(dest);
  const fed = new Set<string>();
  const seen = new Set<string>();
  // The current input's key order, so the merge need not read the input again.
  const order: string[] = [];
  try {
    if (now.header !== null) out.write(now.header);
    now.forEach((k, line) => {
      if (seen.has(k)) throw new InvalidInputError(`${name}: key '${k}' appears twice`, { hint: `a map stage needs a unique key column (${keyCol})` });
      seen.add(k);
      order.push(k);
      if (old.get(k) === rowFingerprint(line)) return;
      fed.add(k);
      out.write(line);
    });
  } finally {
    out.close();
  }
  const deleted = new Set([...old.keys()].filter((k) => !seen.has(k)));
  return { fed, deleted, total: order.length, order };
}

interface MergeSpec {
  baseOut: Oid; deltaOut: string; order: string[]; outFormat: RowFormat; keyCol: string;
  drop: Set<string>; dest: string; outName: string;
}

/** Merges the previous output (without dropped keys) and the delta output, in the current input's row order. */
function mergeOutputs(ctx: RunContext, m: MergeSpec): void {
  const rowsByKey = new Map<string, string | string[]>();
  const keep = (k: string, line: string) => {
    const have = rowsByKey.get(k);
    if (have === undefined) rowsByKey.set(k, line);
    else if (typeof have === 'string') rowsByKey.set(k, [have, line]);
    else have.push(line);
  };
  const prev = scanKeyedRows(lines(ctx.repo.objects.readContentSync(m.baseOut)), m.outFormat, m.keyCol, `${m.outName} (previous)`);
  prev.forEach((k, line) => { if (!m.drop.has(k)) keep(k, line); });
  let header = prev.header;
  if (fs.existsSync(m.deltaOut)) {
    const delta = scanKeyedRows(lines(fileChunks(m.deltaOut)), m.outFormat, m.keyCol, `${m.outName} (delta output)`);
    delta.forEach(keep);
    header = delta.header ?? header;
  }
  const tmp = `${m.dest}.dv-tmp-${process.pid}`;
  const out = new LineWriter(tmp);
  try {
    if (header !== null) out.write(header);
    for (const k of m.order) {
      const rows = rowsByKey.get(k);
      if (typeof rows === 'string') out.write(rows);
      else if (rows) for (const line of rows) out.write(line);
    }
  } finally {
    out.close();
  }
  fs.renameSync(tmp, m.dest);
}

/** Writes lines to a file through a 1 MiB buffer. */
class LineWriter {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  write(line: string): void {
    this.parts.push(line, '\n');
    this.size += line.length + 1;
    if (this.size >= 1 << 20) this.flush();
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''));
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off);
    this.parts = [];
    this.size = 0;
  }
}

/** Runs the stage's command over the whole input into scratch and compares it with the merged output. */
async function verifyFullRecompute(ctx: RunContext, stage: Stage, scratch: string, merged: string): Promise<void> {
  const full = path.join(scratch, `full${path.extname(merged)}`);
  const env: NodeJS.ProcessEnv = { ...process.env, DV_STAGE: stage.name, DV_IN: stage.map!.input, DV_OUT: full };
  if (ctx.seed !== null) env.DV_SEED = ctx.seed; else delete env.DV_SEED;
  const r = await executeCommand({ cmd: stage.cmd, cwd: ctx.root, env, stdoutFile: path.join(scratch, 'full.stdout'), stderrFile: path.join(scratch, 'full.stderr'), signal: ctx.signal });
  if (r.exit !== 0) throw new Error(`--verify-delta: the full recompute failed (exit ${r.exit ?? r.signal})`);
  if (hashWorktreeFile(full, 'file', full) !== hashWorktreeFile(merged, 'file', merged)) {
    throw new Error('--verify-delta: the delta result differs from the full recompute');
  }
}
