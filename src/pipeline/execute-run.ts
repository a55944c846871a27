import fs from 'node:fs';
import path from 'node:path';
import type { Oid } from '../hash/index.js';
import { readRunEnvironment } from '../provenance/index.js';
import { encodeRecord } from '../objects/index.js';
import { storeFile } from '../store/index.js';
import { isUnder, type RepoPath } from '../util/index.js';
import { executeCommand } from './execute-command.js';
import { OutputCache } from './output-cache.js';
import { makeScratchDir, setAsideOutputs, storeOutputs, type OutputKind } from './outputs.js';
import { rememberFailedRun, rememberRun } from './run-cache.js';
import type { RunContext, StageOutcome } from './run-context.js';
import { runRecordToGeneric, type RunRecord } from './run-record.js';
import type { Stage } from './stage.js';

/** One command to run for a stage, with everything its run record needs. */
export interface RunSpec {
  stage: Stage;
  partition?: string;
  cmd: string;
  /** Extra environment for the command (DV_IN / DV_OUT for partitions and row maps). */
  env?: Record<string, string>;
  deps: Record<string, Oid>;
  params: Record<string, unknown>;
  paramsFiles: Record<string, Oid>;
  /** Working-tree paths the command (or `finish`) writes; set aside while it runs. */
  outs: RepoPath[];
  key: Oid;
  delta?: RunRecord['delta'];
  io?: RunRecord['io'];
  /** Runs after the command succeeded and before the outputs are stored (row-map merge). */
  finish?: (scratch: string) => Promise<void> | void;
  /**
   * Several partitions served by this one command (their changed rows fed together):
   * each gets its own run record (these fields, the command's logs and times) and cache
   * entry, instead of the one the spec's own partition, deps, key, delta and io describe.
   * `outs` is then the union of theirs.
   */
  parts?: RunPart[];
}

/** One partition of a command run for several (RunSpec.parts). */
export interface RunPart {
  partition: string;
  deps: Record<string, Oid>;
  outs: RepoPath[];
  key: Oid;
  delta?: RunRecord['delta'];
  io?: RunRecord['io'];
}

/**
 * Runs one command with its previous outputs set aside. On success the outputs are
 * stored and staged, a run record is written and entered in the run cache, and the
 * output files are kept in the output cache (output-cache.ts); on a
 * failure (non-zero exit, missing output) the previous outputs go back in place and a
 * failed run record keeps the logs; on interrupt the previous outputs go back and
 * nothing is recorded.
 */
export async function executeRun(ctx: RunContext, spec: RunSpec): Promise<StageOutcome> {
  const { repo, root } = ctx;
  const scratch = makeScratchDir(repo, 'run');
  const aside = setAsideOutputs(root, scratch, spec.outs);
  let settled = false;
  try {
    for (const out of spec.outs) fs.mkdirSync(path.dirname(path.join(root, out)), { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, DV_STAGE: spec.stage.name, ...spec.env };
    if (ctx.seed !== null) env.DV_SEED = ctx.seed;
    else delete env.DV_SEED;
    const stdoutFile = path.join(scratch, 'stdout');
    const stderrFile = path.join(scratch, 'stderr');
    const outcome = await executeCommand({ cmd: spec.cmd, cwd: root, env, stdoutFile, stderrFile, onOutput: ctx.onOutput, signal: ctx.signal });
    const base = { stage: spec.stage.name, partition: spec.partition, exit: outcome.exit, signal: outcome.signal, stderrTail: outcome.stderrTail, ms: outcome.end - outcome.start };
    if (outcome.interrupted || ctx.signal?.aborted) {
      aside.restore();
      settled = true;
      return { ...base, status: 'interrupted', run: null };
    }
    let reason: string | undefined;
    if (outcome.exit === 0 && spec.finish) {
      try {
        await spec.finish(scratch);
      } catch (err) {
        reason = (err as Error).message;
      }
    }
    const missing = outcome.exit === 0 && !reason ? spec.outs.filter((o) => !fs.existsSync(path.join(root, o))) : [];
    if (missing.length > 0) reason = `the command did not create ${missing.map((m) => `'${m}'`).join(', ')}`;
    const ok = outcome.exit === 0 && !reason;
    if (!ok) { aside.restore(); settled = true; } else aside.keepNew();
    const cache = new OutputCache(repo);
    const readFrom = ok ? await cache.settle(root, spec.outs, outcome.end) : 0;
    const stored = ok ? await storeOutputs(repo, spec.outs) : { outs: {}, kinds: {}, files: [] };
    // Logs and the run records go in one batch: one transaction.
    const batch = repo.objects.batch();
    const logs = { stdout: (await storeFile(batch, stdoutFile, 'stdout')).id, stderr: (await storeFile(batch, stderrFile, 'stderr')).id };
    const runEnv = readRunEnvironment({ roots: [root, ...(ctx.gitRoot ? [ctx.gitRoot] : [])], image: spec.stage.image, vars: spec.stage.env });
    const parts = spec.parts ?? [spec];
    const records = parts.map((part): RunRecord => ({
      v: 1,
      stage: spec.stage.name,
      cmd: spec.cmd,
      partition: part.partition,
      delta: part.delta,
      io: part.io,
      deps: part.deps,
      outs: spec.parts ? pick(stored.outs, part.outs) : stored.outs,
      kinds: kindsOf(spec.parts ? pick(stored.kinds, part.outs) : stored.kinds),
      params: spec.params,
      paramsFiles: spec.paramsFiles,
      seed: ctx.seed,
      status: ok ? 'succeeded' : 'failed',
      exit: outcome.exit,
      signal: outcome.signal,
      start: outcome.start,
      end: outcome.end,
      stdout: logs.stdout,
      stderr: logs.stderr,
      env: runEnv,
      code: ctx.code,
      key: part.key,
    }));
    const runIds = records.map((record) => batch.putStructured('run', encodeRecord('run', runRecordToGeneric(record))));
    batch.flush();
    const runId = runIds[0]!;
    const each = (status: 'ran' | 'failed') => (spec.parts ? { partitions: spec.parts.map((part, i) => ({ ...base, partition: part.partition, status, run: runIds[i]!, reason })) } : {});
    if (!ok) {
      records.forEach((record, i) => rememberFailedRun(repo, spec.stage.name, runIds[i]!, record.partition));
      return { ...base, status: 'failed', run: runId, reason, ...each('failed') };
    }
    // One transaction for all the parts' cache entries (rememberRun's own nest inside it).
    repo.env.root.transactionSync(() => records.forEach((record, i) => {
      const own = spec.parts ? stored.files.filter(([p]) => parts[i]!.outs.some((o) => isUnder(p, o))) : stored.files;
      rememberRun(repo, runIds[i]!, record, own);
    }));
    aside.discard();
    settled = true;
    // Only once the run is recorded: the output cache speeds up later restores and never fails a run.
    cache.keep(spec.outs, readFrom);
    return { ...base, status: 'ran', run: runId, ...each('ran') };
  } finally {
    // Anything unexpected (a full disk while storing…) puts the previous outputs back.
    if (!settled) aside.restore();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The entries of `outs` for these paths. */
function pick<T>(outs: Record<string, T>, paths: RepoPath[]): Record<string, T> {
  return Object.fromEntries(paths.filter((p) => p in outs).map((p) => [p, outs[p]!]));
}

/** The kinds field of a run record: absent when every output is a plain file or directory. */
function kindsOf(kinds: Record<string, OutputKind>): Record<string, OutputKind> | undefined {
  return Object.keys(kinds).length > 0 ? kinds : undefined;
}
