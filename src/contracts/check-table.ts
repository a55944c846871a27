
import { hashBytes52, HashSet52, isNullValue, matchesValueType, parseTimeValue, valueTypeBytesTest, TableReader, type ChunkSource, type TableFormat } from '../rows/index.js';
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
  /** The rule on a cell's text. */
  test: (v: string) => boolean;
  /** The same rule on the cell's bytes, where it can be decided without a string. */
  bytes?: (buf: Uint8Array, s: number, e: number) => boolean;
  count: number;
  rows: ViolationRow[];
}

/** Uniqueness of one column set: a set of 52-bit hashes; repeated hashes are confirmed exactly afterwards. */
interface UniqueCheck {
  columns: string[];
  indexes: number[];
  seen: HashSet52;
  /** One bit per small non-negative integer seen (single integer columns): no hashing, 1 bit a value. */
  bits: Uint32Array | null;
  suspects: Set<number>;
}

/** Largest value the integer bitmap covers (32 MiB of bits). */
const BITMAP_LIMIT = 1 << 28;

/** Records one key (the bytes of a single column); a repeat marks its hash as suspect. */
function addUnique(u: UniqueCheck, b: Uint8Array, s: number, e: number, line: number): void {
  if (u.bits !== null && e - s <= 9 && e > s) {
    let v = 0;
    let i = s;
    for (; i < e; i++) {
      const c = b[i]!;
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    // Plain digits without a leading zero (so "07" and "7" stay distinct keys).
    if (i === e && v < BITMAP_LIMIT && (b[s] !== 48 || e - s === 1)) {
      const w = v >>> 5;
      if (w >= u.bits.length) {
        let len = u.bits.length;
        while (len <= w) len *= 2;
        const grown = new Uint32Array(Math.min(len, BITMAP_LIMIT >>> 5));
        grown.set(u.bits);
        u.bits = grown;
      }
      const m = 1 << (v & 31);
      if (u.bits[w]! & m) u.suspects.add(hashBytes52(b, s, e));
      else u.bits[w]! |= m;
      return;
    }
  }
  const h = hashBytes52(b, s, e);
  if (u.seen.add(h, line) !== 0) u.suspects.add(h);
}
export interface TableCheckResult {
  rows: number;
  columns: string[];
  violations: ContractViolation[];
  /** Newest value of the freshness column (ms), when the contract has one. */
  newest?: number;
}

/**
 * Checks one table against a contract in one streaming pass: columns present, types,
 * nulls, ranges, allowed values, patterns, uniqueness, row counts and freshness. Unquoted
 * CSV/TSV rows are checked on their bytes (types, nulls and allowed values need no
 * string). Memory is constant except for the hash set of unique columns (about 24 bytes a
 * row); a second pass runs only over rows whose key hash repeated.
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
    const integer = cols.length === 1 && contract.columns.find((c) => c.name === cols[0])?.type === 'integer';
    uniques.push({ columns: cols, indexes, seen: new HashSet52(), bits: integer ? new Uint32Array(1024) : null, suspects: new Set() });
  }
  const fresh = contract.freshness ? reader.indexOf(contract.freshness.column) : -1;
  let newest = -Infinity;
  const starts = new Int32Array(Math.max(64, columns.length + 1));
  // Fields past the last checked column are not located.
  const lastColumn = Math.max(-1, ...checks.map((c) => c.index), ...uniques.flatMap((u) => u.indexes), fresh);

  for (; haveRow; haveRow = reader.next()) {
    const line = reader.line;
    if (reader.rows === 1000 && uniques.some((u) => u.seen.size > 0)) {
      // Size the hash sets once from the first rows' length instead of growing them step by step.
      const estimate = Math.ceil((source.size / Math.max(1, reader.consumed)) * 1000 * 1.1);
      for (const u of uniques) if (u.seen.size > 0) u.seen.reserve(estimate);
    }
    const n = reader.fieldStarts(starts, lastColumn + 2);
    if (n >= 0) {
      // Fast path: an unquoted row, checked on its bytes.
      const buf = reader.buf;
      const end = reader.end;
      for (let i = 0; i < nullChecks.length; i++) {
        const c = nullChecks[i]!;
        const x = c.index;
        if (x >= n || (x + 1 < n ? starts[x + 1]! - 1 : end) === starts[x]) fail(c, line, null);
      }
      for (let i = 0; i < valueChecks.length; i++) {
        const c = valueChecks[i]!;
        const x = c.index;
        if (x >= n) continue;
        const s = starts[x]!;
        const e = x + 1 < n ? starts[x + 1]! - 1 : end;
        if (s === e) continue;
        if (c.bytes ? !c.bytes(buf, s, e) : !c.test(buf.toString('utf8', s, e))) fail(c, line, buf.toString('utf8', s, e));
      }
      for (let i = 0; i < uniques.length; i++) {
        const u = uniques[i]!;
        if (u.indexes.length === 1) {
          const x = u.indexes[0]!;
          if (x < n) addUnique(u, buf, starts[x]!, x + 1 < n ? starts[x + 1]! - 1 : end, line);
          else addUnique(u, buf, 0, 0, line);
          continue;
        }
        let h = 0;
        for (let k = 0; k < u.indexes.length; k++) {
          const x = u.indexes[k]!;
          const s = x < n ? starts[x]! : 0;
          const e = x < n ? (x + 1 < n ? starts[x + 1]! - 1 : end) : 0;
          h = k === 0 ? hashBytes52(buf, s, e) : hashBytes52(buf, s, e, h % 0x100000000, k);
        }
        if (u.seen.add(h, line) !== 0) u.suspects.add(h);
      }
      if (fresh >= 0 && fresh < n) {
        const t = parseTimeValue(buf.toString('latin1', starts[fresh]!, fresh + 1 < n ? starts[fresh + 1]! - 1 : end));
        if (t > newest) newest = t;
      }
      continue;
    }
    const cells = reader.cells();
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
      if (u.indexes.length === 1) {
        const b = Buffer.from(cells[u.indexes[0]!] ?? '', 'utf8');
        addUnique(u, b, 0, b.length, line);
        continue;
      }
      const h = hashKey(u, cells);
      if (u.seen.add(h, line) !== 0) u.suspects.add(h);
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
  for (const u of uniques.filter((x) => x.suspects.size > 0)) {
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
  const add = (r: Check['rule'], expected: string, test: Check['test'], bytes?: Check['bytes']): void => {
    out.push({ rule: r, column: rule.name, expected, index, test, bytes, count: 0, rows: [] });
  };
  if (!rule.nullable) add('nullable', 'a value in every row (not nullable)', () => true);
  if (rule.type && rule.type !== 'string') {
    const t = rule.type;
    add('type', `type ${t}${TYPE_FORMS[t] ? ` (${TYPE_FORMS[t]})` : ''}`, (v) => matchesValueType(v, t), valueTypeBytesTest(t));
  }
  const numeric = rule.type === 'integer' || rule.type === 'number' || (rule.type === undefined && typeof (rule.min ?? rule.max) === 'number');
  if (rule.min !== undefined) {
    const m = rule.min;
    const n = Number(m);
    add('min', `values >= ${m}`, numeric ? (v) => !(Number(v) < n) : (v) => v >= String(m), numeric ? (b, s, e) => !(numberOfBytes(b, s, e) < n) : undefined);
  }
  if (rule.max !== undefined) {
    const m = rule.max;
    const n = Number(m);
    add('max', `values <= ${m}`, numeric ? (v) => !(Number(v) > n) : (v) => v <= String(m), numeric ? (b, s, e) => !(numberOfBytes(b, s, e) > n) : undefined);
  }
  if (rule.allowed) {
    const set = new Set(rule.allowed);
    const raw = allowedBytes(rule.allowed);
    const shown = rule.allowed.length > 8 ? `${rule.allowed.slice(0, 8).join(', ')}, …` : rule.allowed.join(', ');
    add('allowed', `one of ${shown}`, (v) => set.has(v), raw);
  }
  if (rule.pattern) {
    const re = rule.pattern.re;
    add('pattern', `values matching /${rule.pattern.source}/`, (v) => re.test(v), fixedPatternBytes(rule.pattern.source));
  }
  return out;
}

const TYPE_FORMS: Partial<Record<string, string>> = {
  date: 'YYYY-MM-DD', datetime: 'ISO 8601, e.g. 2024-03-01T12:00:00Z', boolean: 'true or false', integer: 'whole numbers',
};

/**
 * A byte matcher for fixed-length ASCII patterns — literals, `\d`, `[...]` classes of
 * single characters and ranges, each optionally repeated `{n}` — such as `SKU-\d{6}`
 * or `[A-Z]{2}[0-9]{4}`. Anything else (alternation, variable repeats, escapes beyond
 * `\d` and `\-`) returns undefined and the regular expression is used.
 */
export function fixedPatternBytes(source: string): ((b: Uint8Array, s: number, e: number) => boolean) | undefined {
  const sets: Uint8Array[] = [];
  let i = 0;
  while (i < source.length) {
    let set: Uint8Array;
    const c = source[i]!;
    if (c === '\\') {
      const n = source[i + 1];
      if (n === 'd') { set = new Uint8Array(128); for (let k = 48; k <= 57; k++) set[k] = 1; }
      else if (n !== undefined && /[-.\/\\]/.test(n)) { set = new Uint8Array(128); set[n.charCodeAt(0)] = 1; }
      else return undefined;
      i += 2;
    } else if (c === '[') {
      const close = source.indexOf(']', i + 1);
      if (close < 0 || source[i + 1] === '^') return undefined;
      set = new Uint8Array(128);
      const body = source.slice(i + 1, close);
      for (let k = 0; k < body.length; k++) {
        const a = body.charCodeAt(k);
        if (a >= 128 || body[k] === '\\') return undefined;
        if (body[k + 1] === '-' && k + 2 < body.length) {
          const z = body.charCodeAt(k + 2);
          if (z >= 128 || z < a) return undefined;
          for (let x = a; x <= z; x++) set[x] = 1;
          k += 2;
        } else set[a] = 1;
      }
      i = close + 1;
    } else if (/[A-Za-z0-9_ :@#%=,'"-]/.test(c)) {
      set = new Uint8Array(128);
      set[c.charCodeAt(0)] = 1;
      i++;
    } else return undefined;
    let times = 1;
    if (source[i] === '{') {
      const m = /^\{(\d{1,3})\}/.exec(source.slice(i));
      if (!m) return undefined;
      times = Number(m[1]);
      i += m[0].length;
    } else if (source[i] !== undefined && '*+?'.includes(source[i]!)) return undefined;
    for (let k = 0; k < times; k++) sets.push(set);
  }
  const len = sets.length;
  return (b, s, e) => {
    if (e - s !== len) return false;
    for (let k = 0; k < len; k++) {
      const x = b[s + k]!;
      if (x >= 128 || sets[k]![x] === 0) return false;
    }
    return true;
  };
}

/**
 * A byte-level membership test for allowed values: candidates are found by length and
 * first and last byte, then compared byte by byte (no string per cell).
 */
function allowedBytes(values: string[]): (b: Uint8Array, s: number, e: number) => boolean {
  const table = new Map<number, Buffer[]>();
  for (const v of values) {
    const bytes = Buffer.from(v, 'utf8');
    if (bytes.length === 0) continue;
    const k = bytes.length * 65536 + bytes[0]! * 256 + bytes[bytes.length - 1]!;
    const list = table.get(k);
    if (list) list.push(bytes); else table.set(k, [bytes]);
  }
  return (b, s, e) => {
    const list = table.get((e - s) * 65536 + b[s]! * 256 + b[e - 1]!);
    if (!list) return false;
    outer: for (const c of list) {
      for (let i = 1; i < c.length - 1; i++) if (c[i] !== b[s + i]) continue outer;
      return true;
    }
    return false;
  };
}

/**
 * The number a cell's bytes spell: plain decimals are read digit by digit (exact up to 15
 * significant digits); anything else (exponents, long values) goes through Number().
 */
function numberOfBytes(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (b[i] === 45) { neg = true; i++; } else if (b[i] === 43) i++;
  let v = 0;
  let digits = 0;
  let scale = 1;
  let dot = false;
  for (; i < e; i++) {
    const c = b[i]!;
    if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      digits++;
      if (dot) scale *= 10;
    } else if (c === 46 && !dot) dot = true;
    else return Number(Buffer.prototype.latin1Slice.call(b, s, e) as string);
  }
  if (digits === 0 || digits > 15) return Number(Buffer.prototype.latin1Slice.call(b, s, e) as string);
  const r = v / scale;
  return neg ? -r : r;
}

/** The hash of a row's key for a unique check, over the cells' UTF-8 bytes (as the fast path hashes them). */
function hashKey(u: UniqueCheck, cells: string[]): number {
  let h = 0;
  for (let k = 0; k < u.indexes.length; k++) {
    const b = Buffer.from(cells[u.indexes[k]!] ?? '', 'utf8');
    h = k === 0 ? hashBytes52(b, 0, b.length) : hashBytes52(b, 0, b.length, h % 0x100000000, k);
  }
  return h;
}

/** Second pass over the rows whose key hash repeated: exact values decide which rows repeat one. */
function findDuplicates(source: ChunkSource, format: TableFormat, u: UniqueCheck): { count: number; rows: ViolationRow[] } {
  const firstLine = new Map<string, number>();
  const rows: ViolationRow[] = [];
  let count = 0;
  const r = new TableReader(format, source);
  while (r.next()) {
    const cells = r.cells();
    if (!u.suspects.has(hashKey(u, cells))) continue;
    const k = u.indexes.map((x) => cells[x] ?? '').join('\u001f');
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

function formatAge(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 48 ? `${Math.round(h / 24)} days` : h >= 1 ? `${Math.round(h)} hours` : `${Math.round(ms / 60000)} minutes`;
}
