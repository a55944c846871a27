import { InvalidInputError } from '../errors/index.js';
import { PROJECT_FILE } from '../project/index.js';
import { VALUE_TYPES, type ValueType } from '../rows/index.js';

/** Rules on one column. */
export interface ColumnRule {
  name: string;
  type?: ValueType;
  /** The column must be present (default true). */
  required: boolean;
  /** Empty cells are allowed (default true). */
  nullable: boolean;
  unique: boolean;
  min?: number | string;
  max?: number | string;
  allowed?: string[];
  pattern?: { source: string; re: RegExp };
}

/** A data contract for the files matching `pattern` (a path or glob), as declared in dv.yaml `contracts:`. */
export interface Contract {
  pattern: string;
  columns: ColumnRule[];
  /** `forbid`: columns not listed are a violation. */
  extraColumns: 'allow' | 'forbid';
  /** Column sets whose combined values must be unique. */
  unique: string[][];
  rows?: { min?: number; max?: number };
  /** Largest share (0–1) of the previous version's rows a new version may change, remove or add. */
  maxChange?: { changed?: number; removed?: number; added?: number };
  /** Key to align rows by for maxChange (default: dv.yaml `keys:`, else by content). */
  key?: string[];
  freshness?: { column: string; maxAgeMs: number; maxAge: string };
}

const CONTRACT_KEYS = ['columns', 'extra_columns', 'unique', 'rows', 'max_change', 'key', 'freshness'];
const COLUMN_KEYS = ['type', 'required', 'nullable', 'unique', 'min', 'max', 'allowed', 'pattern', 'regex'];
const AGE_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses dv.yaml `contracts:` (a map from path or glob to a contract); errors name the contract and key. */
export function parseContracts(section: unknown): Contract[] {
  if (section === undefined || section === null) return [];
  const where = `${PROJECT_FILE}: contracts`;
  const top = asMap(section, where);
  return Object.entries(top).map(([pattern, body]) => parseContract(pattern, body));
}

function parseContract(pattern: string, body: unknown): Contract {
  const where = `${PROJECT_FILE}: contracts."${pattern}"`;
  const m = asMap(body ?? {}, where);
  for (const k of Object.keys(m)) if (!CONTRACT_KEYS.includes(k)) bad(`${where}: unknown key "${k}"`, `the keys are ${CONTRACT_KEYS.join(', ')}`);
  const columns = Object.entries(asMap(m.columns ?? {}, `${where}.columns`)).map(([name, v]) => parseColumn(name, v, `${where}.columns.${name}`));
  const extra = m.extra_columns ?? 'allow';
  if (extra !== 'allow' && extra !== 'forbid') bad(`${where}.extra_columns: must be allow or forbid`);
  const c: Contract = { pattern, columns, extraColumns: extra as Contract['extraColumns'], unique: [] };
  if (m.unique !== undefined) {
    const list = Array.isArray(m.unique) ? m.unique : [m.unique];
    c.unique = list.map((u) => (typeof u === 'string' ? [u] : Array.isArray(u) && u.length > 0 && u.every((x) => typeof x === 'string') ? (u as string[]) : bad(`${where}.unique: a column name or a list of column names (or a list of those)`)));
  }
  if (m.rows !== undefined) {
    const r = asMap(m.rows, `${where}.rows`);
    c.rows = { min: optInt(r.min, `${where}.rows.min`), max: optInt(r.max, `${where}.rows.max`) };
  }
  if (m.max_change !== undefined) {
    const r = asMap(m.max_change, `${where}.max_change`);
    for (const k of Object.keys(r)) if (!['changed', 'removed', 'added'].includes(k)) bad(`${where}.max_change: unknown key "${k}"`, 'the keys are changed, removed, added (shares of the previous rows, e.g. 0.05 or "5%")');
    c.maxChange = { changed: optShare(r.changed, `${where}.max_change.changed`), removed: optShare(r.removed, `${where}.max_change.removed`), added: optShare(r.added, `${where}.max_change.added`) };
  }
  if (m.key !== undefined) {
    c.key = typeof m.key === 'string' ? [m.key] : Array.isArray(m.key) && m.key.every((x) => typeof x === 'string') ? (m.key as string[]) : bad(`${where}.key: a column name or a list of column names`);
  }
  if (m.freshness !== undefined) {
    const f = asMap(m.freshness, `${where}.freshness`);
    if (typeof f.column !== 'string') bad(`${where}.freshness.column: the date or datetime column to check`);
    const age = String(f.max_age ?? '');
    const mm = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(age);
    if (!mm) bad(`${where}.freshness.max_age: a duration like 36h, 7d or 2w`);
    c.freshness = { column: f.column as string, maxAge: age, maxAgeMs: Number(mm![1]) * AGE_UNITS[mm![2]!]! };
  }
  return c;
}

function parseColumn(name: string, v: unknown, where: string): ColumnRule {
  const m = typeof v === 'string' ? { type: v } : asMap(v ?? {}, where);
  for (const k of Object.keys(m)) if (!COLUMN_KEYS.includes(k)) bad(`${where}: unknown key "${k}"`, `the keys are ${COLUMN_KEYS.filter((x) => x !== 'regex').join(', ')}`);
  const rule: ColumnRule = { name, required: optBool(m.required, `${where}.required`) ?? true, nullable: optBool(m.nullable, `${where}.nullable`) ?? true, unique: optBool(m.unique, `${where}.unique`) ?? false };
  if (m.type !== undefined) {
    if (!VALUE_TYPES.includes(m.type as ValueType)) bad(`${where}.type: "${String(m.type)}" is not a type`, `the types are ${VALUE_TYPES.join(', ')}`);
    rule.type = m.type as ValueType;
  }
  for (const k of ['min', 'max'] as const) {
    const x = m[k];
    if (x === undefined) continue;
    if (x instanceof Date) rule[k] = x.toISOString().slice(0, 10);
    else if (typeof x === 'number' || typeof x === 'string') rule[k] = x;
    else bad(`${where}.${k}: a number, or a date for date columns`);
  }
  if (m.allowed !== undefined) {
    if (!Array.isArray(m.allowed)) bad(`${where}.allowed: a list of values`);
    rule.allowed = (m.allowed as unknown[]).map((x) => (x === null ? '' : String(x)));
  }
  const pat = m.pattern ?? m.regex;
  if (pat !== undefined) {
    if (typeof pat !== 'string') bad(`${where}.pattern: a regular expression as a string`);
    try {
      rule.pattern = { source: pat as string, re: new RegExp(`^(?:${pat as string})$`, 'u') };
    } catch (err) {
      bad(`${where}.pattern: ${(err as Error).message}`);
    }
  }
  return rule;
}

function asMap(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(`${where}: must be a map`);
  return v as Record<string, unknown>;
}

function optBool(v: unknown, where: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') bad(`${where}: must be true or false`);
  return v as boolean;
}

function optInt(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) bad(`${where}: must be a whole number`);
  return v as number;
}

function optShare(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.endsWith('%') ? Number(v.slice(0, -1)) / 100 : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) bad(`${where}: a share of the previous rows, like 0.05 or "5%"`);
  return n as number;
}

function bad(message: string, hint?: string): never {
  throw new InvalidInputError(message, { hint: hint ?? `fix ${PROJECT_FILE}` });
}
