import fs from 'node:fs';
import path from 'node:path';
import { encodeCanonical, type CanonicalValue } from '../codec/index.js';
import type { Oid } from '../hash/index.js';
import { hashWorktreeFile } from '../worktree/index.js';
import { executeCommand } from './execute-command.js';
import { executeRun } from './execute-run.js';
import { makeScratchDir, outputsRestorable } from './outputs.js';
import { lastStageRun } from './run-cache.js';
import type { RunContext, StageOutcome } from './run-context.js';
import { readRunRecord, type RunRecord } from './run-record.js';
import { answerFromCache, cachedRun, readStageState, type StageState } from './run-stage.js';
import { diffKeyedRows, mergeKeyedRows, type RowDiff } from './row-delta.js';
import { fileChunks, lines, rowFormatOf, scanKeyedRows } from './rows.js';
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
    const fedRows = new LineWriter(deltaIn);
    let diff: RowDiff;
    try {
      diff = diffKeyedRows(ctx.repo.objects.readContentSync(base.run.deps[input]!), fileChunks(path.join(ctx.root, input)), format, keyCol, input, (line) => fedRows.write(line));
    } finally {
      fedRows.close();
    }
    if (diff.headerChanged) {
      // A changed header changes every row: map the whole input.
      return await executeRun(ctx, { ...common, env: { DV_IN: input, DV_OUT: out } });
    }
    const r = await executeRun(ctx, {
      ...common,
      env: { DV_IN: deltaIn, DV_OUT: deltaOut },
      delta: { fed: diff.fed.size, dropped: diff.deleted.size, base: base.id },
      finish: async () => {
        const merged = path.join(ctx.root, out);
        const tmp = `${merged}.dv-tmp-${process.pid}`;
        const w = new LineWriter(tmp);
        try {
          mergeKeyedRows(ctx.repo.objects.readContentSync(base.run.outs[out]!), fs.existsSync(deltaOut) ? fileChunks(deltaOut) : null, rowFormatOf(out), keyCol, out, diff, (line) => w.write(line));
        } finally {
          w.close();
        }
        fs.renameSync(tmp, merged);
        if (opts.verify) await verifyFullRecompute(ctx, stage, scratch, merged);
      },
    });
    return { ...r, delta: { fed: diff.fed.size, dropped: diff.deleted.size, total: diff.order.length }, verified: opts.verify && r.status === 'ran' ? true : undefined };
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

/** Writes lines to a file through a 1 MiB buffer (each line is copied before `write` returns). */
class LineWriter {
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  write(line: Uint8Array | string): void {
    const bytes = typeof line === 'string' ? Buffer.from(line) : line;
    if (this.used + bytes.length + 1 > this.buf.length) this.flush();
    if (bytes.length + 1 > this.buf.length) {
      this.writeAll(bytes);
      this.writeAll(Buffer.from('\n'));
      return;
    }
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
    this.buf[this.used++] = 10;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }

  private flush(): void {
    this.writeAll(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  private writeAll(b: Uint8Array): void {
    let off = 0;
    while (off < b.length) off += fs.writeSync(this.fd, b, off);
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
