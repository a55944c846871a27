import fs from 'node:fs';

/** True while a process with this id exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When a process started, in clock ticks since boot (field 22 of /proc/PID/stat), or
 * undefined where /proc is not available. Together with the pid it names one process
 * even after the pid is reused.
 */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/** One process, named so that a later process given the same pid is not taken for it. */
export interface ProcessIdentity { pid: number; startTicks?: number }

/** This process's identity, as locks and leases record it. */
export function thisProcess(): ProcessIdentity {
  return { pid: process.pid, startTicks: processStartTicks(process.pid) };
}

/**
 * True while the recorded process still runs: its pid is alive and, where both start
 * times are known, it started when the recorded one did (else the pid was reused).
 */
export function isRecordedProcessAlive(p: ProcessIdentity): boolean {
  if (!isProcessAlive(p.pid)) return false;
  if (p.startTicks === undefined) return true;
  const ticks = processStartTicks(p.pid);
  return ticks === undefined || ticks === p.startTicks;
}

/**
 * Runs `fn`; should SIGINT or SIGTERM arrive meanwhile, the work in flight is abandoned:
 * `cleanUp` runs (synchronously), `message` (or what it returns, asked first) goes to
 * stderr and the process exits with 128 + the signal's number, as a shell reports an
 * interrupted command.
 */
export async function exitCleanlyOnInterrupt<T>(cleanUp: () => void, message: string | (() => string), fn: () => Promise<T>): Promise<T> {
  const onSignal = (signal: NodeJS.Signals) => {
    const text = typeof message === 'string' ? message : message();
    try { cleanUp(); } finally {
      process.stderr.write(`dv: ${text}\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
