import { TableReader, type ChunkSource, type TableFormat } from '../rows/index.js';
import type { Contract } from './contract-spec.js';
import { hashKey, hashKeyBytes, planTable, scanRows, type RowTally, type TablePlan, type UniqueCheck } from './table-scan.js';
import { SAMPLE_ROWS, type ContractViolation, type ViolationRow } from './violation.js';

export interface TableCheckResult {
  rows: number;
  violations: ContractViolation[];
  /** Newest value of the freshness column (ms), when the contract has one. */
  newest?: number;
}

/**
 * Checks one table against a contract in one streaming pass on this thread: columns
 * present, types, nulls, ranges, allowed values, patterns, uniqueness, row counts and
 * freshness. Memory is constant except for the hash set of unique columns (about 24
 * bytes a row); a second pass runs only over rows whose key hash repeated.
 * (checkTableSplit checks large tables in parts on worker threads, with the same result.)
 */
export function checkTable(source: ChunkSource, format: TableFormat, contract: Contract, opts: { now: number }): TableCheckResult {
  const reader = new TableReader(format, source);
  // CSV and TSV know their columns from the header; JSONL learns them from the first row.
  const have = reader.next();
  if (format === 'jsonl' && have) reader.cells();
  const plan = planTable(reader, contract);
  const tally = scanRows(reader, plan, have, source.size);
  return finishTable(source, format, contract, plan, tally, opts.now);
}

/**
 * The result of a table from its plan and the tally of all its rows (the plan's unique
 * sets holding every row's key): per-row violations, exact duplicates of the suspect
 * keys (a second pass over `source`), row count and freshness.
 */
export function finishTable(source: ChunkSource, format: TableFormat, contract: Contract, plan: TablePlan, tally: RowTally, now: number): TableCheckResult {
  const violations = [...plan.columnViolations];
  const rows = tally.rows;
  plan.checks.forEach((c, i) => {
    const count = tally.counts[i]!;
    if (count > 0) violations.push({ rule: c.rule, column: c.column, expected: c.expected, found: `${count} of ${rows} rows not matching`, count, rows: tally.samples[i]! });
  });
  for (const u of plan.uniques.filter((x) => x.suspects.size > 0)) {
    const dup = findDuplicates(source, format, u);
    if (dup.count > 0) violations.push({ rule: 'unique', column: u.columns.join(', '), expected: `unique values of ${u.columns.join(', ')}`, found: `${dup.count} row${dup.count === 1 ? '' : 's'} repeating an earlier value`, count: dup.count, rows: dup.rows });
  }
  if (contract.rows) {
    const { min, max } = contract.rows;
    if ((min !== undefined && rows < min) || (max !== undefined && rows > max)) {
      violations.push({ rule: 'rows', expected: `${min ?? 0} to ${max ?? 'any number of'} rows`, found: `${rows} rows`, rows: [] });
    }
  }
  const result: TableCheckResult = { rows, violations };
  if (contract.freshness && plan.fresh >= 0) {
    const f = contract.freshness;
    const newest = tally.newest;
    result.newest = Number.isFinite(newest) ? newest : undefined;
    if (!Number.isFinite(newest) || now - newest > f.maxAgeMs) {
      violations.push({
        rule: 'freshness', column: f.column, expected: `newest ${f.column} at most ${f.maxAge} old`,
        found: Number.isFinite(newest) ? `newest is ${new Date(newest).toISOString()} (${formatAge(now - newest)} old)` : 'no date in the column', rows: [],
      });
    }
  }
  return result;
}

/**
 * Second pass over the rows whose key hash repeated: exact values decide which rows
 * repeat one. Keys are hashed as the first pass hashed them (unquoted rows on their
 * bytes), so only suspect rows are split into cells.
 */
function findDuplicates(source: ChunkSource, format: TableFormat, u: UniqueCheck): { count: number; rows: ViolationRow[] } {
  const firstLine = new Map<string, number>();
  const rows: ViolationRow[] = [];
  let count = 0;
  const r = new TableReader(format, source);
  const starts = new Int32Array(Math.max(64, r.columns.length + 1));
  const limit = Math.max(...u.indexes) + 2;
  while (r.next()) {
    const n = r.fieldStarts(starts, limit);
    const h = n >= 0 ? hashKeyBytes(u, r.buf, starts, n, r.end) : hashKey(u, r.cells());
    if (!u.suspects.has(h)) continue;
    const cells = r.cells();
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
