import { InvalidInputError, UsageError } from '../errors/index.js';

/** A moment with its UTC offset in minutes, as commits record it. */
export interface Timestamp {
  /** Milliseconds since the epoch. */
  ms: number;
  /** Offset from UTC in minutes (east positive). */
  tz: number;
}

/** Now, or the fixed time given by DV_DATE (ISO 8601) for reproducible ids. */
export function now(env: NodeJS.ProcessEnv = process.env): Timestamp {
  const fixed = env.DV_DATE;
  if (fixed) return parseIsoDate(fixed);
  return { ms: Date.now(), tz: -new Date().getTimezoneOffset() };
}

/** Parses an ISO 8601 date; keeps the written offset (Z = 0). */
export function parseIsoDate(text: string): Timestamp {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new InvalidInputError(`not an ISO 8601 date: ${text}`);
  const m = /([+-])(\d\d):?(\d\d)$/.exec(text);
  const tz = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  return { ms, tz };
}

/** ISO 8601 in the timestamp's own offset, e.g. 2026-11-30T06:20:00+01:00. */
export function formatTimestamp(t: Timestamp): string {
  const local = new Date(t.ms + t.tz * 60000).toISOString().replace(/\.\d{3}Z$/, '');
  if (t.tz === 0) return `${local}Z`;
  const sign = t.tz < 0 ? '-' : '+';
  const a = Math.abs(t.tz);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/**
 * A timeout given in seconds (an option or an environment variable, named by `what`),
 * in milliseconds; `fallbackSecs` when it is not set. Zero, negative and non-numbers are refused.
 */
export function timeoutMs(raw: string | number | undefined, what: string, fallbackSecs: number): number {
  if (raw === undefined || raw === '') return fallbackSecs * 1000;
  const secs = Number(raw);
  if (!Number.isFinite(secs) || secs <= 0) throw new UsageError(`${what} needs a number of seconds above 0, got ${JSON.stringify(String(raw))}`);
  return secs * 1000;
}
