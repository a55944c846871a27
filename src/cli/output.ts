import { DvError } from '../errors/index.js';

/** Options every read command accepts. */
export interface OutputOptions { json?: boolean }

/**
 * Prints a command's result: one JSON document with --json, else the human form.
 * The only place results reach stdout.
 */
export function printResult<T>(opts: OutputOptions, data: T, human: (data: T) => string | string[]): void {
  if (opts.json) {
    process.stdout.write(JSON.stringify(data, null, 2) + '\n');
    return;
  }
  const text = human(data);
  const lines = Array.isArray(text) ? text : [text];
  const out = lines.join('\n');
  if (out.length > 0) process.stdout.write(out.endsWith('\n') ? out : out + '\n');
}

/** Prints a line on stderr (messages that are not the command's result). */
export function note(line: string): void {
  process.stderr.write(line + '\n');
}

/** Prints an error as the contract says: `dv: message`, then `hint: …`; returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof DvError) {
    process.stderr.write(`dv: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    if (process.env.DV_DEBUG) {
      process.stderr.write(String(err.stack) + '\n');
      if (err.cause) process.stderr.write(String((err.cause as Error).stack ?? err.cause) + '\n');
    }
    return err.exitCode;
  }
  const e = err as NodeJS.ErrnoException;
  if (e && (e.code === 'ENOSPC' || e.code === 'EACCES' || e.code === 'EROFS')) {
    process.stderr.write(`dv: ${e.message}\n`);
    return 1;
  }
  process.stderr.write(`dv: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.DV_DEBUG) process.stderr.write(String(e?.stack) + '\n');
  return 1;
}
