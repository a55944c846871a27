/** A progress reporter for long work: draws on stderr only when it is a TTY. */
export interface Progress {
  /** Adds `n` units done. */
  tick(n: number): void;
  done(): void;
}

/** Starts a byte- or item-counting progress line (no-op when stderr is not a TTY). */
export function startProgress(label: string, total: number, unit: 'bytes' | 'items' = 'bytes'): Progress {
  if (!process.stderr.isTTY || total <= 0) return { tick() {}, done() {} };
  let done = 0;
  let last = 0;
  const draw = (final: boolean) => {
    const now = Date.now();
    if (!final && now - last < 100) return;
    last = now;
    const pct = Math.min(100, Math.floor((done / total) * 100));
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    const amount = unit === 'bytes' ? `${(done / 1048576).toFixed(1)}/${(total / 1048576).toFixed(1)} MiB` : `${done}/${total}`;
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${amount}`);
    if (final) process.stderr.write('\n');
  };
  return {
    tick(n) { done += n; draw(false); },
    done() { done = total; draw(true); },
  };
}
