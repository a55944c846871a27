import type { ReproResult, StageOutcome } from '../../../pipeline/index.js';
import type { Repository } from '../../../repo/index.js';
import type { RepoPath } from '../../../util/index.js';
import { note } from '../../output.js';
import { printFailure } from '../contracts/gate.js';

/** Stops the running stage on Ctrl-C (and SIGTERM) while `fn` runs; the library restores outputs. */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** Stage commands' own output goes to stderr, so stdout stays the command's result. */
export function forwardOutput(_stream: 'stdout' | 'stderr', chunk: Buffer): void {
  process.stderr.write(chunk);
}

/** One line per stage (and per partition that did something). */
export function formatRepro(r: ReproResult): string[] {
  const out: string[] = [];
  for (const s of r.stages) {
    out.push(stageLine(s));
    for (const p of s.partitions ?? []) if (p.status !== 'up-to-date') out.push(`  ${stageLine(p)}`);
  }
  if (out.length === 0) out.push('no stages');
  return out;
}

function stageLine(s: StageOutcome): string {
  const name = s.partition !== undefined ? `${s.stage}[${s.partition}]` : s.stage;
  const what: Record<StageOutcome['status'], string> = {
    ran: 'ran', restored: 'restored from the run cache', 'up-to-date': 'up to date', failed: 'FAILED', interrupted: 'interrupted',
  };
  const extra = [
    s.run ? `run ${s.run.slice(0, 12)}` : '',
    s.status === 'ran' || s.status === 'failed' ? `${(s.ms / 1000).toFixed(2)} s` : '',
    s.delta ? `${s.delta.fed} of ${s.delta.total} rows fed, ${s.delta.dropped} dropped` : '',
    s.verified ? 'verified against a full recompute' : '',
  ].filter(Boolean).join(', ');
  return `${name}: ${what[s.status]}${extra ? ` (${extra})` : ''}`;
}

/** Explains a failed or interrupted repro on stderr; returns the exit code. */
export function reportReproFailure(r: ReproResult): number {
  const bad = r.stages.find((s) => s.status === 'failed' || s.status === 'interrupted');
  if (!bad) {
    if (!r.interrupted) return 0;
    note('dv: interrupted; the stages that finished are recorded, the rest did not run');
    return 130;
  }
  const sub = bad.partitions?.find((p) => p.status === 'failed' || p.status === 'interrupted') ?? bad;
  const name = sub.partition !== undefined ? `${bad.stage}[${sub.partition}]` : bad.stage;
  if (bad.status === 'interrupted') {
    note(`dv: stage ${name} interrupted; its previous outputs are back in place`);
    return 130;
  }
  const why = sub.reason ?? (sub.exit !== null && sub.exit !== undefined ? `exit code ${sub.exit}` : `killed by ${sub.signal}`);
  note(`dv: stage ${name} failed: ${why}; previous outputs left in place${sub.run ? ` (run record ${sub.run.slice(0, 12)})` : ''}`);
  const tail = (sub.stderrTail ?? '').trimEnd().split('\n').slice(-10);
  if (tail.length > 0 && tail[0] !== '') note(['--- stderr (last lines) ---', ...tail].join('\n'));
  if (sub.run) note(`hint: \`dv show ${sub.run.slice(0, 12)}\` shows the failed run record with its logs`);
  return 1;
}

/**
 * The contract gate of `dv repro` and `dv run`: checks the data contracts that cover a
 * stage's inputs before it runs. A failure prints the failed checks, archives an incident
 * and stops the pipeline before that stage, with nothing changed.
 */
export async function checkStageContracts(_stage: unknown, ctx: { repo: Repository; inputs: string[] }): Promise<void> {
  const { checkContracts, throwIfFailed } = await import('../../../contracts/index.js');
  const report = await checkContracts(ctx.repo, { paths: ctx.inputs as RepoPath[], operation: 'repro' });
  try {
    throwIfFailed(report, 'repro');
  } catch (err) {
    printFailure(err);
    throw err;
  }
}
