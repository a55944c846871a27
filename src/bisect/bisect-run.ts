import { spawn } from 'node:child_process';
import { ConflictError, InvalidInputError, UsageError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { resolveCommit } from '../history/index.js';
import type { Repository } from '../repo/index.js';
import { markBisect, planFromState, statusOf, type BisectStatus } from './bisect.js';
import { requireBisectState, type BisectVerdict } from './bisect-state.js';

/** git's meaning of a test command's exit code: 125 skip, 1–127 bad, 0 good. */
export const SKIP_EXIT_CODE = 125;
/** What a shell returns when the command cannot be executed (126) or found (127). */
const NOT_RUNNABLE = new Set([126, 127]);
const SHELL_SYNTAX = /[\s;&|<>()$`\\"'*?~{}[\]#=!]/;

export interface BisectRunOptions {
  /** The command and its arguments; a single string with spaces or shell syntax runs through the shell. */
  command: string[];
  /** Where the command's stdout goes: ours (default), or our stderr when stdout must stay clean for JSON. */
  stdout?: 'inherit' | 'stderr';
  /** Called before each test with the commit under test. */
  onTest?: (commit: Oid) => void;
  /** Called after each verdict with the new status. */
  onStep?: (commit: Oid, verdict: BisectVerdict, status: BisectStatus) => void;
}

/** The verdict an exit status means, or undefined when the bisection must stop (≥128 or a signal). */
export function verdictOfExit(code: number | null, signal: NodeJS.Signals | null): BisectVerdict | undefined {
  if (signal !== null || code === null || code < 0 || code >= 128) return undefined;
  if (code === 0) return 'good';
  if (code === SKIP_EXIT_CODE) return 'skip';
  return 'bad';
}

/**
 * Runs the command at the repository root on each candidate until the first bad commit
 * is found (or only skipped commits remain), marking each commit by the exit code. A
 * command that exits 128 or more, dies by a signal or cannot start stops the run, as does
 * 126/127 on the first test (as in git: the command was not found, which must not read as
 * "bad"); the bisection state stays, so it can be continued by hand or reset.
 */
export async function runBisect(repo: Repository, opts: BisectRunOptions): Promise<BisectStatus> {
  if (opts.command.length === 0) throw new UsageError('bisect run needs a command to run');
  const root = repo.worktree();
  let status = statusOf(repo, planFromState(repo, requireBisectState(repo)));
  let first = true;
  while (status.state === 'testing') {
    const commit = resolveCommit(repo, 'HEAD');
    opts.onTest?.(commit);
    const { code, signal } = await runCommand(root, opts.command, opts.stdout ?? 'inherit');
    const verdict = first && code !== null && NOT_RUNNABLE.has(code) ? undefined : verdictOfExit(code, signal);
    first = false;
    if (!verdict) {
      const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
      throw new ConflictError(`bisect run stopped: '${opts.command.join(' ')}' ${how} at ${commit.slice(0, 12)}`, {
        data: { commit, code, signal },
        hint: code !== null && NOT_RUNNABLE.has(code)
          ? 'the command could not be found or run; check it, or `dv bisect reset`'
          : 'exit codes of 128 and above abort; use 125 to skip a commit. Continue by hand or `dv bisect reset`',
      });
    }
    status = await markBisect(repo, verdict, commit);
    opts.onStep?.(commit, verdict, status);
  }
  return status;
}

function runCommand(cwd: string, command: string[], stdout: 'inherit' | 'stderr'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      shell: command.length === 1 && SHELL_SYNTAX.test(file),
      stdio: ['inherit', stdout === 'stderr' ? process.stderr : 'inherit', 'inherit'],
    });
    child.on('error', (err) => reject(new InvalidInputError(`cannot run '${command.join(' ')}': ${err.message}`, { cause: err })));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}
