import type { TableFormat } from '../../src/rows/index.js';

/*
 * Random tables for comparing contract checks: ids that repeat (as plain digits, with
 * leading zeros, beyond 2^28, or not numeric), values that break rules, CRLF, blank
 * lines, quoted cells with commas, quotes and newlines, JSONL with nulls and late keys.
 */

/** A small deterministic generator (xorshift32). */
export function rng(seed: number): { int(n: number): number; pick<T>(a: readonly T[]): T; chance(p: number): boolean } {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  return { int: (n) => Math.floor(next() * n), pick: (a) => a[Math.floor(next() * a.length)]!, chance: (p) => next() < p };
}

const CATS = ['ok', 'pending', 'refunded', 'lost'];
const NOTES = ['plain', 'with, comma', 'say "hi"', 'two\nlines', 'crlf\r\ninside', '', 'é ü 漢', '"', 'x"y'];

/** One random row: ids repeat now and then (as digits, with leading zeros, big, or not numeric), values break rules now and then. */
function randomRow(r: ReturnType<typeof rng>, i: number): Record<string, string | null> {
  const id = r.chance(0.1) ? String(r.int(i + 1)) : r.chance(0.05) ? `00${r.int(20)}` : r.chance(0.05) ? String(2 ** 29 + r.int(30)) : r.chance(0.03) ? `k${r.int(10)}` : String(i + 1);
  const day = 1 + r.int(28);
  const ts = r.chance(0.05) ? `${day}/01/2024` : r.chance(0.3) ? `2024-02-${String(day).padStart(2, '0')}` : `2024-02-${String(day).padStart(2, '0')}T${String(r.int(24)).padStart(2, '0')}:00:00Z`;
  return {
    id: r.chance(0.03) ? '' : id,
    ts,
    cat: r.chance(0.05) ? 'other' : r.pick(CATS),
    sku: r.chance(0.05) ? 'SKU-12' : `SKU-${String(r.int(40)).padStart(3, '0')}`,
    price: r.chance(0.04) ? 'n/a' : r.chance(0.04) ? '-1.5' : (r.int(200000) / 100).toFixed(2),
    note: r.pick(NOTES),
    ...(r.chance(0.1) ? { late: 'x' } : {}),
  };
}

function csvCell(v: string, delimiter: string, quoteAll: boolean): string {
  return quoteAll || /[",\r\n]/.test(v) || v.includes(delimiter) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A random table of `rows` rows in `format`, with CRLF, blank lines, quoting and a missing final newline now and then. */
export function randomTable(seed: number, format: TableFormat, rows: number): string {
  const r = rng(seed);
  const eol = r.chance(0.3) ? '\r\n' : '\n';
  const cols = ['id', 'ts', 'cat', 'sku', 'price', 'note'];
  const out: string[] = [];
  if (format !== 'jsonl') out.push(cols.join(format === 'tsv' ? '\t' : ','));
  for (let i = 0; i < rows; i++) {
    if (r.chance(0.03)) out.push('');
    const row = randomRow(r, i);
    if (format === 'jsonl') {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) if (!r.chance(0.02)) o[k] = v === '' && r.chance(0.5) ? null : k === 'price' && /^\d/.test(v ?? '') ? Number(v) : v;
      if (r.chance(0.03)) o.extra = { nested: [1, 2] };
      out.push(JSON.stringify(o));
    } else if (format === 'tsv') {
      out.push(cols.map((c) => (row[c] ?? '').replace(/[\t\r\n]/g, ' ')).join('\t'));
    } else {
      const quoteAll = r.chance(0.1);
      out.push(cols.map((c) => csvCell(row[c] ?? '', ',', quoteAll)).join(','));
    }
  }
  return out.join(eol) + (r.chance(0.8) ? eol : '');
}

/** A contract (dv.yaml `contracts:` entry for `t`) the random tables break in many ways. */
export const CONTRACT = `
t:
  columns:
    id: { type: integer, nullable: false, unique: true }
    ts: { type: datetime }
    cat: { allowed: [ok, pending, refunded] }
    sku: { pattern: 'SKU-\\d{3}' }
    price: { type: number, min: 0, max: 1500 }
    note: { required: true }
  unique: [[cat, sku]]
  rows: { min: 10, max: 150 }
  freshness: { column: ts, max_age: 2d }
`;
