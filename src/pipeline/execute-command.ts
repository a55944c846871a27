import { spawn } from 'node:child_process';
import fs from 'node:fs';

/** How a command ended and where its output went. */
export interface CommandOutcome {
  exit: number | null;
  signal: string | null;
  /** True when the caller's abort signal stopped it. */
  interrupted: boolean;
  start: number;
  end: number;
  /** The last bytes of stderr, for the failure message. */
  stderrTail: string;
}

export interface ExecuteOptions {
  cmd: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Files that receive the complete stdout and stderr. */
  stdoutFile: string;
  stderrFile: string;
  /** Live output, as it comes (the CLI shows it on stderr). */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Aborting stops the command: SIGTERM to its process group, SIGKILL after a grace period. */
  signal?: AbortSignal;
}

const TAIL_BYTES = 2048;
const KILL_GRACE_MS = 3000;

/** Runs one shell command line, capturing its output to files; resolves when it has exited. */
export function executeCommand(opts: ExecuteOptions): Promise<CommandOutcome> {
  const start = Date.now();
  const out = fs.openSync(opts.stdoutFile, 'w');
  const err = fs.openSync(opts.stderrFile, 'w');
  let tail = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    // Its own process group, so stopping it also stops whatever the shell started.
    const child = spawn('/bin/sh', ['-c', opts.cmd], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let interrupted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      interrupted = true;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    if (opts.signal?.aborted) stop();
    opts.signal?.addEventListener('abort', stop, { once: true });
    child.stdout.on('data', (c: Buffer) => { fs.writeSync(out, c); opts.onOutput?.('stdout', c); });
    child.stderr.on('data', (c: Buffer) => {
      fs.writeSync(err, c);
      tail = Buffer.concat([tail, c]).subarray(-TAIL_BYTES);
      opts.onOutput?.('stderr', c);
    });
    child.on('error', (e) => {
      fs.closeSync(out); fs.closeSync(err);
      reject(e);
    });
    child.on('close', (code, sig) => {
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', stop);
      fs.closeSync(out); fs.closeSync(err);
      resolve({ exit: code, signal: sig, interrupted, start, end: Date.now(), stderrTail: tail.toString('utf8') });
    });
  });
}

function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}
