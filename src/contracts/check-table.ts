
import { isNullValue, matchesValueType, parseTimeValue, TableReader, type ChunkSource, type TableFormat } from '../rows/index.js';
import type { ColumnRule, Contract } from './contract-spec.js';

/** Rows shown per violation. */
export const SAMPLE_ROWS = 5;

/** A row that broke a rule: its line in the file and the offending value(s). */
export interface ViolationRow {
  line: number;
  value?: string | null;
  values?: Record<string, string>;
  /** For a repeated unique value: the line where it first appeared. */
  firstLine?: number;
}

/** One rule a table broke. */
export interface ContractViolation {
  rule: 'columns' | 'type' | 'nullable' | 'unique' | 'min' | 'max' | 'allowed' | 'pattern' | 'rows' | 'max_change' | 'freshness';
  column?: string;
  expected: string;
  found: string;
  /** How many rows broke it (when it is a per-row rule). */
  count?: number;
  /** The first few offending rows. */
  rows: ViolationRow[];
}

/** Per-row rule state while the table streams by. */
interface Check {
  rule: ContractViolation['rule'];
  column: string;
  expected: string;
  index: number;
  test: (v: string) => boolean;
  count: number;
  rows: ViolationRow[];
}

/** Uniqueness state of one column set: sorted input needs no memory; otherwise a later pass finds duplicates. */
interface UniqueCheck {
  columns: string[];
  indexes: number[];
  numeric: boolean;
  prev: string | number | null;
  sorted: boolean;
}

export interface TableCheckResult {
  rows: number;
  columns: string[];
  violations: ContractViolation[];
  /** Newest value of the freshness column (ms), when the contract has one. */
  newest?: number;
}

/**
 * Checks one table against a contract in one streaming pass (plus a second pass when a
 * unique column is not in sorted order): columns present, types, nulls, ranges, allowed
 * values, patterns, uniqueness, row counts and freshness. Memory does not grow with the
 * rows except for the hash set of an unsorted unique column.
 */
export function checkTable(source: ChunkSource, format: TableFormat, contract: Contract, opts: { now: number }): TableCheckResult {
  const reader = new TableReader(format, source);
  const violations: ContractViolation[] = [];
  // CSV and TSV know their columns from the header; JSONL learns them from the first row.
  let haveRow = reader.next();
  if (format === 'jsonl' && haveRow) reader.cells();
  const columns = reader.columns;
  const present = new Set(columns);
  const missing = contract.columns.filter((c) => c.required && !present.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    violations.push({ rule: 'columns', column: missing[0], expected: `columns ${missing.join(', ')} present`, found: `columns ${columns.join(', ') || '(none)'}`, rows: [] });
  }
  if (contract.extraColumns === 'forbid') {
    const declared = new Set(contract.columns.map((c) => c.name));
    const extra = columns.filter((c) => !declared.has(c));
    if (extra.length > 0) violations.push({ rule: 'columns', column: extra[0], expected: `only the declared columns (${[...declared].join(', ')})`, found: `extra columns ${extra.join(', ')}`, rows: [] });
  }
  const checks: Check[] = [];
  for (const rule of contract.columns) {
    const index = reader.indexOf(rule.name);
    if (index >= 0) checks.push(...compileColumn(rule, index));
  }
  const nullChecks = checks.filter((c) => c.rule === 'nullable');
  const valueChecks = checks.filter((c) => c.rule !== 'nullable');
  const uniques: UniqueCheck[] = [];
  for (const cols of [...contract.columns.filter((c) => c.unique).map((c) => [c.name]), ...contract.unique]) {
    const indexes = cols.map((c) => reader.indexOf(c));
    if (indexes.some((i) => i < 0)) continue;
    const numeric = cols.length === 1 && ['integer', 'number'].includes(contract.columns.find((c) => c.name === cols[0])?.type ?? '');
    uniques.push({ columns: cols, indexes, numeric, prev: null, sorted: true });
  }
  const fresh = contract.freshness ? reader.indexOf(contract.freshness.column) : -1;
  let newest = -Infinity;

  for (; haveRow; haveRow = reader.next()) {
    const cells = reader.cells();
    const line = reader.line;
    for (let i = 0; i < nullChecks.length; i++) {
      const c = nullChecks[i]!;
      if (isNullValue(cells[c.index])) fail(c, line, null);
    }
    for (let i = 0; i < valueChecks.length; i++) {
      const c = valueChecks[i]!;
      const v = cells[c.index];
      if (v !== undefined && v !== '' && !c.test(v)) fail(c, line, v);
    }
    for (let i = 0; i < uniques.length; i++) {
      const u = uniques[i]!;
      if (!u.sorted) continue;
      const key: string | number = u.indexes.length === 1 ? (u.numeric ? Number(cells[u.indexes[0]!]) : cells[u.indexes[0]!] ?? '') : u.indexes.map((x) => cells[x] ?? '').join('\u001f');
      if (u.prev !== null && !(key > u.prev)) u.sorted = false;
      u.prev = key;
    }
    if (fresh >= 0) {
      const t = parseTimeValue(cells[fresh] ?? '');
      if (t > newest) newest = t;
    }
  }
  const rows = reader.rows;
  for (const c of checks) {
    if (c.count > 0) violations.push({ rule: c.rule, column: c.column, expected: c.expected, found: `${c.count} of ${rows} rows not matching`, count: c.count, rows: c.rows });
  }
  for (const u of uniques.filter((x) => !x.sorted)) {
    const dup = findDuplicates(source, format, u);
    if (dup.count > 0) violations.push({ rule: 'unique', column: u.columns.join(', '), expected: `unique values of ${u.columns.join(', ')}`, found: `${dup.count} row${dup.count === 1 ? '' : 's'} repeating an earlier value`, count: dup.count, rows: dup.rows });
  }
  if (contract.rows) {
    const { min, max } = contract.rows;
    if ((min !== undefined && rows < min) || (max !== undefined && rows > max)) {
      violations.push({ rule: 'rows', expected: `${min ?? 0} to ${max ?? 'any number of'} rows`, found: `${rows} rows`, rows: [] });
    }
  }
  const result: TableCheckResult = { rows, columns: [...columns], violations };
  if (contract.freshness && fresh >= 0) {
    const f = contract.freshness;
    result.newest = Number.isFinite(newest) ? newest : undefined;
    if (!Number.isFinite(newest) || opts.now - newest > f.maxAgeMs) {
      violations.push({
        rule: 'freshness', column: f.column, expected: `newest ${f.column} at most ${f.maxAge} old`,
        found: Number.isFinite(newest) ? `newest is ${new Date(newest).toISOString()} (${formatAge(opts.now - newest)} old)` : 'no date in the column', rows: [],
      });
    }
  }
  return result;
}

function fail(c: Check, line: number, value: string | null): void {
  c.count++;
  if (c.rows.length < SAMPLE_ROWS) c.rows.push({ line, value });
}

function compileColumn(rule: ColumnRule, index: number): Check[] {
  const out: Check[] = [];
  const add = (r: Check['rule'], expected: string, test: (v: string) => boolean): void => {
    out.push({ rule: r, column: rule.name, expected, index, test, count: 0, rows: [] });
  };
  if (!rule.nullable) add('nullable', 'a value in every row (not nullable)', () => true);
  if (rule.type && rule.type !== 'string') {
    const t = rule.type;
    add('type', `type ${t}${TYPE_FORMS[t] ? ` (${TYPE_FORMS[t]})` : ''}`, (v) => matchesValueType(v, t));
  }
  const numeric = rule.type === 'integer' || rule.type === 'number' || (rule.type === undefined && typeof (rule.min ?? rule.max) === 'number');
  if (rule.min !== undefined) {
    const m = rule.min;
    add('min', `values >= ${m}`, numeric ? (v) => !(Number(v) < Number(m)) : (v) => v >= String(m));
  }
  if (rule.max !== undefined) {
    const m = rule.max;
    add('max', `values <= ${m}`, numeric ? (v) => !(Number(v) > Number(m)) : (v) => v <= String(m));
  }
  if (rule.allowed) {
    const set = new Set(rule.allowed);
    const shown = rule.allowed.length > 8 ? `${rule.allowed.slice(0, 8).join(', ')}, …` : rule.allowed.join(', ');
    add('allowed', `one of ${shown}`, (v) => set.has(v));
  }
  if (rule.pattern) {
    const re = rule.pattern.re;
    add('pattern', `values matching /${rule.pattern.source}/`, (v) => re.test(v));
  }
  return out;
}

const TYPE_FORMS: Partial<Record<string, string>> = {
  date: 'YYYY-MM-DD', datetime: 'ISO 8601, e.g. 2024-03-01T12:00:00Z', boolean: 'true or false', integer: 'whole numbers',
};

/** Second pass for an unsorted unique column set: hashes first, then the exact values of colliding hashes. */
function findDuplicates(source: ChunkSource, format: TableFormat, u: UniqueCheck): { count: number; rows: ViolationRow[] } {
  const keyOf = (cells: string[]): string => (u.indexes.length === 1 ? cells[u.indexes[0]!] ?? '' : u.indexes.map((x) => cells[x] ?? '').join('\u001f'));
  const seen = new Map<number, number>();
  const suspects = new Set<number>();
  let r = new TableReader(format, source);
  while (r.next()) {
    const h = hash52(keyOf(r.cells()));
    if (seen.has(h)) suspects.add(h); else seen.set(h, r.line);
  }
  seen.clear();
  if (suspects.size === 0) return { count: 0, rows: [] };
  // Confirm: only rows whose hash collided are kept, with their exact values.
  const firstLine = new Map<string, number>();
  const rows: ViolationRow[] = [];
  let count = 0;
  r = new TableReader(format, source);
  while (r.next()) {
    const cells = r.cells();
    const k = keyOf(cells);
    if (!suspects.has(hash52(k))) continue;
    const first = firstLine.get(k);
    if (first === undefined) { firstLine.set(k, r.line); continue; }
    count++;
    if (rows.length < SAMPLE_ROWS) {
      const values: Record<string, string> = {};
      u.columns.forEach((c, i) => { values[c] = cells[u.indexes[i]!] ?? ''; });
      rows.push({ line: r.line, values, firstLine: first });
    }
  }
  return { count, rows };
}

/** A 52-bit hash of a string (two 32-bit FNV-1a variants), exact as a JS number. */
function hash52(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 0x100000 + ((b >>> 12) & 0xfffff);
}

function formatAge(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 48 ? `${Math.round(h / 24)} days` : h >= 1 ? `${Math.round(h)} hours` : `${Math.round(ms / 60000)} minutes`;
}
