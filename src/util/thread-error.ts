import os from 'node:os';
import { CorruptObjectError, InternalError, InvalidInputError, NotFoundError, type DvError, type ErrorData, type DvErrorOptions } from '../errors/index.js';

/** An error as it crosses threads (classes do not): what the receiving thread needs to rebuild it. */
export interface ThreadError { code: string; message: string; data: unknown; hint?: string }

/** The parts of `err` a worker sends back to the main thread. */
export function errorForThread(err: unknown): ThreadError {
  const e = err as { code?: unknown; message?: unknown; data?: unknown; hint?: unknown };
  return { code: String(e.code ?? ''), message: String(e.message ?? err), data: e.data ?? {}, hint: typeof e.hint === 'string' ? e.hint : undefined };
}

/** dv's errors that a worker may raise on purpose, by code; anything else is rebuilt as an InternalError. */
const CLASSES: Record<string, new (message: string, opts?: DvErrorOptions) => DvError> = {
  ECORRUPT: CorruptObjectError,
  ENOTFOUND: NotFoundError,
  EINVALID: InvalidInputError,
};

/**
 * The main thread's error for what a worker sent: the same class, message, data and hint
 * for dv's own errors; otherwise an InternalError whose message starts with `context`.
 */
export function errorFromThread(e: ThreadError, context: string): Error {
  const data = (typeof e.data === 'object' && e.data !== null ? e.data : {}) as ErrorData;
  const Class = CLASSES[e.code];
  return Class ? new Class(e.message, { data, hint: e.hint }) : new InternalError(`${context}: ${e.message}`, { data });
}

/**
 * How many threads `DV_THREADS` allows, `fallback` when it is unset; NaN when it is not a
 * number (callers then use one thread).
 */
export function threadSetting(fallback: (cores: number) => number, env: NodeJS.ProcessEnv = process.env): number {
  const v = env.DV_THREADS;
  return v === undefined ? fallback(os.availableParallelism()) : Number(v);
}
