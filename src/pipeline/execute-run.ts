import fs from 'node:fs';
import path from 'node:path';
import type { Oid } from '../hash/index.js';
import { readRunEnvironment } from '../provenance/index.js';
import { encodeRecord } from '../objects/index.js';
import { storeFile } from '../store/index.js';
import type { RepoPath } from '../util/index.js';
import { executeCommand } from './execute-command.js';
import { OutputCache } from './output-cache.js';
import { makeScratchDir, setAsideOutputs, storeOutputs } from './outputs.js';
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
    // Logs and the run record go in one batch: one transaction.
    const batch = repo.objects.batch();
    const logs = { stdout: (await storeFile(batch, stdoutFile, 'stdout')).id, stderr: (await storeFile(batch, stderrFile, 'stderr')).id };
    const record: RunRecord = {
      v: 1,
      stage: spec.stage.name,
      cmd: spec.cmd,
      partition: spec.partition,
      delta: spec.delta,
      io: spec.io,
      deps: spec.deps,
      outs: stored.outs,
      kinds: Object.keys(stored.kinds).length > 0 ? stored.kinds : undefined,
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
      env: readRunEnvironment({ roots: [root, ...(ctx.gitRoot ? [ctx.gitRoot] : [])], image: spec.stage.image, vars: spec.stage.env }),
      code: ctx.code,
      key: spec.key,
    };
    const runId = batch.putStructured('run', encodeRecord('run', runRecordToGeneric(record)));
    batch.flush();
    if (!ok) {
      rememberFailedRun(repo, spec.stage.name, runId, spec.partition);
      return { ...base, status: 'failed', run: runId, reason };
    }
    rememberRun(repo, runId, record, stored.files);
    aside.discard();
    settled = true;
    // Only once the run is recorded: the output cache speeds up later restores and never fails a run.
    cache.keep(spec.outs, readFrom);
    return { ...base, status: 'ran', run: runId };
  } finally {
    // Anything unexpected (a full disk while storing…) puts the previous outputs back.
    if (!settled) aside.restore();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
