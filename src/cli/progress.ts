import type { TransferEvents } from '../remote/transport.js';
import { formatBytes } from '../util/index.js';

/** A progress reporter for long work: draws on stderr only when it is a TTY. */
export interface Progress {
  /** Adds `n` units done. */
  tick(n: number): void;
  done(): void;
}

/**
 * One status line on stderr, redrawn in place at most every 100 ms and not before
 * `delayMs` have passed since it was made; a final draw always happens and ends the line.
 * `draw` returns whether it drew.
 */
function statusLine(delayMs = 0): (text: () => string, final: boolean) => boolean {
  const started = Date.now();
  let last = 0;
  return (text, final) => {
    const now = Date.now();
    if (!final && (now - last < 100 || now - started < delayMs)) return false;
    last = now;
    process.stderr.write(`\r${text()}${final ? '\n' : ''}`);
    return true;
  };
}

/** Starts a byte- or item-counting progress line (no-op when stderr is not a TTY). */
export function startProgress(label: string, total: number, unit: 'bytes' | 'items' = 'bytes'): Progress {
  if (!process.stderr.isTTY || total <= 0) return { tick() {}, done() {} };
  let done = 0;
  const line = statusLine();
  const draw = (final: boolean) => line(() => {
    const pct = Math.min(100, Math.floor((done / total) * 100));
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    const amount = unit === 'bytes' ? `${(done / 1048576).toFixed(1)}/${(total / 1048576).toFixed(1)} MiB` : `${done}/${total}`;
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${amount}`;
  }, final);
  return {
    tick(n) { done += n; draw(false); },
    done() { done = total; draw(true); },
  };
}

/** A transfer's progress line, told of objects as they move (see TransferEvents). */
export interface TransferProgress extends TransferEvents {
  done(): void;
}

/** How long a transfer runs before its progress line appears (a quick one prints none, as in git). */
const TRANSFER_PROGRESS_DELAY_MS = 500;

/**
 * Draws `Receiving objects: 45% (3200/7186), 98.1 MiB | 250.3 MiB/s` on stderr when it is
 * a TTY: the objects moved of those known to be coming, their payload bytes and the rate.
 * The line appears once the transfer has run for half a second (`DV_PROGRESS_DELAY_MS`
 * sets another delay), so quick transfers print none.
 */
export function startTransferProgress(label: string, env: NodeJS.ProcessEnv = process.env): TransferProgress {
  if (!process.stderr.isTTY) return { expect() {}, moved() {}, done() {} };
  const line = statusLine(Number(env.DV_PROGRESS_DELAY_MS ?? TRANSFER_PROGRESS_DELAY_MS));
  /** When the first object moved: the rate leaves out the negotiation before it. */
  let firstMoved = 0;
  let expected = 0;
  let moved = 0;
  let bytes = 0;
  let shown = false;
  const draw = (final: boolean) => {
    shown = line(() => {
      const pct = expected > 0 ? Math.min(100, Math.floor((moved / expected) * 100)) : 100;
      const seconds = (Date.now() - firstMoved) / 1000;
      const rate = seconds > 0 ? ` | ${formatBytes(Math.round(bytes / seconds))}/s` : '';
      return `${label}: ${pct}% (${moved}/${Math.max(expected, moved)}), ${formatBytes(bytes)}${rate}\x1b[K`;
    }, final) || shown;
  };
  return {
    expect(n) { expected += n; },
    moved(n) {
      if (moved === 0) firstMoved = Date.now();
      moved++;
      bytes += n;
      draw(false);
    },
    done() { if (shown) draw(true); },
  };
}

/** Runs a transfer with a progress line, ended (with its last figures) however the transfer ends. */
export async function withTransferProgress<T>(label: string, run: (progress: TransferEvents) => Promise<T>): Promise<T> {
  const bar = startTransferProgress(label);
  try {
    return await run(bar);
  } finally {
    bar.done();
  }
}
