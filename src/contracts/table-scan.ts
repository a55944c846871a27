import { hashBytes52, HashSet52, isNullValue, parseTimeValue, type HashSet52Parts, type TableReader } from '../rows/index.js';
import { compileColumn, type Check } from './check-rules.js';
import type { Contract } from './contract-spec.js';
import { SAMPLE_ROWS, type ContractViolation, type ViolationRow } from './violation.js';

/** Uniqueness of one column set: a set of 52-bit hashes; repeated hashes are confirmed exactly afterwards. */
export interface UniqueCheck {
  columns: string[];
  indexes: number[];
  seen: HashSet52;
  /** One bit per small non-negative integer seen (single integer columns): no hashing, 1 bit a value. */
  bits: Uint32Array | null;
  suspects: Set<number>;
}

/** The rules of a contract resolved against a table's columns, with the state they gather while rows stream by. */
export interface TablePlan {
  /** Violations decided by the columns alone (missing or extra columns). */
  columnViolations: ContractViolation[];
  checks: Check[];
  nullChecks: Check[];
  valueChecks: Check[];
  uniques: UniqueCheck[];
  /** Index of the freshness column, or -1. */
  fresh: number;
  /** Fields past this one are not located. */
  lastColumn: number;
  starts: Int32Array;
}

/**
 * What the per-row rules found in a run of rows. Tallies of consecutive parts of a table
 * merge (in file order) into the tally of the whole.
 */
export interface RowTally {
  rows: number;
  /** Newlines the rows spanned (blank lines included): lines of the next part count on from here. */
  lines: number;
  /** Offending rows per check of the plan, and the first few of them. */
  counts: number[];
  samples: ViolationRow[][];
  /** Newest time in the freshness column (ms), -Infinity when none. */
  newest: number;
}

/** A thread's unique-column state, handed to the thread that merges it. */
export interface UniqueState {
  seen: HashSet52Parts;
  bits: Uint32Array | null;
  suspects: Float64Array;
}

/** Largest value the integer bitmap covers (32 MiB of bits). */
const BITMAP_LIMIT = 1 << 28;

/**
 * Resolves a contract against the columns `reader` knows (the header; for JSONL the keys
 * of the first row, which must have been parsed).
 */
export function planTable(reader: TableReader, contract: Contract): TablePlan {
  const columns = reader.columns;
  const columnViolations: ContractViolation[] = [];
  const present = new Set(columns);
  const missing = contract.columns.filter((c) => c.required && !present.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    columnViolations.push({ rule: 'columns', column: missing[0], expected: `columns ${missing.join(', ')} present`, found: `columns ${columns.join(', ') || '(none)'}`, rows: [] });
  }
  if (contract.extraColumns === 'forbid') {
    const declared = new Set(contract.columns.map((c) => c.name));
    const extra = columns.filter((c) => !declared.has(c));
    if (extra.length > 0) columnViolations.push({ rule: 'columns', column: extra[0], expected: `only the declared columns (${[...declared].join(', ')})`, found: `extra columns ${extra.join(', ')}`, rows: [] });
  }
  const checks: Check[] = [];
  for (const rule of contract.columns) {
    const index = reader.indexOf(rule.name);
    if (index >= 0) checks.push(...compileColumn(rule, index));
  }
  const uniques: UniqueCheck[] = [];
  for (const cols of [...contract.columns.filter((c) => c.unique).map((c) => [c.name]), ...contract.unique]) {
    const indexes = cols.map((c) => reader.indexOf(c));
    if (indexes.some((i) => i < 0)) continue;
    const integer = cols.length === 1 && contract.columns.find((c) => c.name === cols[0])?.type === 'integer';
    uniques.push({ columns: cols, indexes, seen: new HashSet52(), bits: integer ? new Uint32Array(1024) : null, suspects: new Set() });
  }
  const fresh = contract.freshness ? reader.indexOf(contract.freshness.column) : -1;
  return {
    columnViolations, checks, uniques, fresh,
    nullChecks: checks.filter((c) => c.rule === 'nullable'),
    valueChecks: checks.filter((c) => c.rule !== 'nullable'),
    lastColumn: Math.max(-1, ...checks.map((c) => c.index), ...uniques.flatMap((u) => u.indexes), fresh),
    starts: new Int32Array(Math.max(64, columns.length + 1)),
  };
}

/**
 * Runs the per-row rules over the rows of `reader` from its current row (when `have`) to
 * its end. Unquoted CSV/TSV rows are checked on their bytes (types, nulls and allowed
 * values need no string). Unique columns gather into the plan's sets; the rest is
 * returned as a tally (lines relative to the reader's start).
 * `expectBytes` sizes the hash sets: the bytes this plan will see in all.
 */
export function scanRows(reader: TableReader, plan: TablePlan, have: boolean, expectBytes: number): RowTally {
  const { nullChecks, valueChecks, uniques, fresh, starts } = plan;
  const limit = plan.lastColumn + 2;
  let newest = -Infinity;
  for (; have; have = reader.next()) {
    const line = reader.line;
    if (reader.rows === 1000 && uniques.some((u) => u.seen.size > 0)) {
      // Size the hash sets once from the first rows' length instead of growing them step by step.
      const estimate = Math.ceil((expectBytes / Math.max(1, reader.consumed)) * 1000 * 1.1);
      for (const u of uniques) if (u.seen.size > 0) u.seen.reserve(estimate);
    }
    const n = reader.fieldStarts(starts, limit);
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
        const h = hashKeyBytes(u, buf, starts, n, end);
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
  // The checks' counts and samples move into the tally, so the plan can scan the next part.
  const tally: RowTally = { rows: reader.rows, lines: reader.linesRead, counts: [], samples: [], newest };
  for (const c of plan.checks) {
    tally.counts.push(c.count);
    tally.samples.push(c.rows);
    c.count = 0;
    c.rows = [];
  }
  return tally;
}

/** An empty tally for a plan, to merge parts into. */
export function emptyTally(plan: TablePlan): RowTally {
  return { rows: 0, lines: 0, counts: plan.checks.map(() => 0), samples: plan.checks.map(() => []), newest: -Infinity };
}

/** Adds the tally of the next part of the table, whose lines start after `lineBase` lines. */
export function mergeTally(into: RowTally, part: RowTally, lineBase: number): void {
  into.rows += part.rows;
  into.lines += part.lines;
  for (let i = 0; i < into.counts.length; i++) {
    into.counts[i]! += part.counts[i]!;
    const rows = into.samples[i]!;
    for (const r of part.samples[i]!) {
      if (rows.length >= SAMPLE_ROWS) break;
      rows.push({ ...r, line: r.line + lineBase });
    }
  }
  if (part.newest > into.newest) into.newest = part.newest;
}

/** The plan's unique-column state, to hand to another thread (the plan's sets are given up). */
export function takeUniqueStates(plan: TablePlan): UniqueState[] {
  return plan.uniques.map((u) => ({ seen: u.seen.toParts(), bits: u.bits, suspects: Float64Array.from(u.suspects) }));
}

/**
 * Merges the unique-column states of threads that each saw a part of the table into one
 * check: a hash (or small integer) seen by two threads is a suspect, like one seen twice
 * by one thread, so the exact pass afterwards finds every repeat across parts.
 */
export function mergeUniqueStates(u: UniqueCheck, states: UniqueState[]): void {
  if (states.length === 0) return;
  let seen = HashSet52.fromParts(states[0]!.seen);
  let bits = states[0]!.bits;
  const suspects = new Set<number>();
  states.forEach((s, k) => {
    for (const h of s.suspects) suspects.add(h);
    if (k === 0) return;
    let other = HashSet52.fromParts(s.seen);
    // Probe the smaller set against the larger; add it only when more states follow.
    if (other.size > seen.size) [seen, other] = [other, seen];
    const last = k === states.length - 1;
    const slots = other.slots;
    for (let i = 0; i < slots.length; i++) {
      const h = slots[i]!;
      if (h === 0) continue;
      if (seen.has(h)) suspects.add(h);
      else if (!last) seen.add(h, 1);
    }
    bits = mergeBits(bits, s.bits, suspects);
  });
  u.seen = seen;
  u.bits = bits;
  u.suspects = suspects;
}

/** The union of two integer bitmaps; integers in both become suspects (as addUnique hashes them). */
function mergeBits(a: Uint32Array | null, b: Uint32Array | null, suspects: Set<number>): Uint32Array | null {
  if (a === null) return b;
  if (b === null) return a;
  if (b.length > a.length) [a, b] = [b, a];
  for (let w = 0; w < b.length; w++) {
    const both = a[w]! & b[w]!;
    if (both !== 0) {
      for (let j = 0; j < 32; j++) {
        if ((both & (1 << j)) === 0) continue;
        const digits = Buffer.from(String(w * 32 + j), 'latin1');
        suspects.add(hashBytes52(digits, 0, digits.length));
      }
    }
    a[w]! |= b[w]!;
  }
  return a;
}

function fail(c: Check, line: number, value: string | null): void {
  c.count++;
  if (c.rows.length < SAMPLE_ROWS) c.rows.push({ line, value });
}

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

/** The hash of an unquoted row's key for a unique check, from its fields located by fieldStarts (n of them, the row ending at `end`). */
export function hashKeyBytes(u: UniqueCheck, buf: Uint8Array, starts: Int32Array, n: number, end: number): number {
  let h = 0;
  for (let k = 0; k < u.indexes.length; k++) {
    const x = u.indexes[k]!;
    const s = x < n ? starts[x]! : 0;
    const e = x < n ? (x + 1 < n ? starts[x + 1]! - 1 : end) : 0;
    h = k === 0 ? hashBytes52(buf, s, e) : hashBytes52(buf, s, e, h % 0x100000000, k);
  }
  return h;
}

/** The hash of a row's key for a unique check, over the cells' UTF-8 bytes (as hashKeyBytes hashes an unquoted row). */
export function hashKey(u: UniqueCheck, cells: string[]): number {
  let h = 0;
  for (let k = 0; k < u.indexes.length; k++) {
    const b = Buffer.from(cells[u.indexes[k]!] ?? '', 'utf8');
    h = k === 0 ? hashBytes52(b, 0, b.length) : hashBytes52(b, 0, b.length, h % 0x100000000, k);
  }
  return h;
}
