import { InvalidInputError } from '../errors/index.js';
import type { ChunkSource } from './chunk-source.js';
import { RowSpill } from './spill.js';
import type { TableFormat } from './table-format.js';
import { TableReader } from './table-reader.js';
import { inferValueType, isNullValue, mergeValueTypes, type ValueType } from './value-type.js';

/** One row that differs between the two versions. */
export interface RowChange {
  kind: 'added' | 'removed' | 'changed';
  /** Key column values (null when rows are aligned by content). */
  key: Record<string, string> | null;
  oldLine?: number;
  newLine?: number;
  /** The whole row on the side where it exists (added: new, removed: old). */
  row?: Record<string, string>;
  /** For a changed row: each differing cell (null: empty or absent). */
  cells?: Array<{ column: string; old: string | null; new: string | null }>;
}

/** How the columns changed. Types are inferred (see spec/row-diff.md for the sample). */
export interface SchemaDiff {
  oldColumns: string[];
  newColumns: string[];
  added: string[];
  removed: string[];
  renamed: Array<{ from: string; to: string }>;
  reordered: boolean;
  typeChanges: Array<{ column: string; old: ValueType; new: ValueType }>;
  changed: boolean;
}

export interface RowDiffSummary {
  oldRows: number;
  newRows: number;
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
}

/** What diffRows found. */
export interface RowDiffResult {
  format: TableFormat;
  /** Key columns used to align rows, or null when aligned by content. */
  key: string[] | null;
  schema: SchemaDiff;
  summary: RowDiffSummary;
  /** True when unmatched rows outgrew memory and were partitioned to temporary files. */
  spilled: boolean;
}

export interface RowDiffOptions {
  format: TableFormat;
  /** Key columns to align rows by; null or empty aligns by content. */
  key?: string[] | null;
  /** Receives each changed, added and removed row. */
  onRow?: (change: RowChange) => void;
  /** Bytes of unmatched rows kept in memory before the rest is partitioned to disk (default 64 MiB, or DV_ROWS_MEMORY). */
  memoryBudget?: number;
  /** Where spill files go (default the system temp directory). */
  tmpDir?: string;
}

/** Rows whose types are always observed, from the top of each side. */
export const TYPE_SAMPLE_ROWS = 10_000;
const DEFAULT_BUDGET = 64 * 1024 * 1024;

/** A row not matched yet: its text is kept, its cells parsed again when needed. */
interface Pending { line: number; key: string; text: string }

/**
 * Row-level diff of two versions of a table (null: the file is absent on that side).
 * Both sides are read once, in step: identical rows are skipped by byte comparison, and
 * rows that differ are matched by key through two maps of unmatched rows, which realign
 * the streams after insertions and deletions. When those maps outgrow the memory budget,
 * the rest of both sides is hash-partitioned to temporary files and matched partition by
 * partition, so memory stays bounded whatever the file sizes.
 */
export function diffRows(oldSource: ChunkSource | null, newSource: ChunkSource | null, opts: RowDiffOptions): RowDiffResult {
  return new RowDiffRun(oldSource, newSource, opts).run();
}

class RowDiffRun {
  private readonly a: TableReader | null;
  private readonly b: TableReader | null;
  private readonly format: TableFormat;
  private readonly emit: (c: RowChange) => void;
  private readonly budget: number;
  private readonly summary: RowDiffSummary = { oldRows: 0, newRows: 0, added: 0, removed: 0, changed: 0, unchanged: 0 };
  private readonly oldPending = new Map<string, Pending[]>();
  private readonly newPending = new Map<string, Pending[]>();
  private pendingBytes = 0;
  private readonly types: [Array<ValueType | null>, Array<ValueType | null>] = [[], []];
  private renamedTo = new Map<string, string>();
  private renamedFrom = new Map<string, string>();
  private keyColumns: string[] | null;
  private keyIdx: [number[], number[]] = [[], []];
  /** True when equal bytes mean equal rows and position i maps to position i. */
  private positional = true;
  private mapCache: { oldLen: number; newLen: number; map: Int32Array } | null = null;
  private spilled = false;

  constructor(oldSource: ChunkSource | null, newSource: ChunkSource | null, private readonly opts: RowDiffOptions) {
    this.format = opts.format;
    this.a = oldSource ? new TableReader(opts.format, oldSource) : null;
    this.b = newSource ? new TableReader(opts.format, newSource) : null;
    this.emit = opts.onRow ?? (() => {});
    const env = Number(process.env.DV_ROWS_MEMORY);
    this.budget = opts.memoryBudget ?? (env > 0 ? env : DEFAULT_BUDGET);
    this.keyColumns = opts.key && opts.key.length > 0 ? opts.key : null;
  }

  run(): RowDiffResult {
    this.planColumns();
    const a = this.a;
    const b = this.b;
    // A file present on one side only: every row is added (or removed), nothing waits.
    if (!a || !b) {
      const only = a ?? b;
      while (only && only.next()) {
        const p = this.pend(a ? 0 : 1, only);
        if (a) this.removed(p); else this.added(p);
      }
      return this.finish();
    }
    let haveA = a ? a.next() : false;
    let haveB = b ? b.next() : false;
    let pa: Pending | null = null;
    let pb: Pending | null = null;
    while (haveA || haveB) {
      if (this.pendingBytes > this.budget) {
        this.spill(pa, pb, haveA, haveB);
        return this.finish();
      }
      if (haveA && haveB && pa === null && pb === null && this.positional && a!.sameBytes(b!)) {
        this.summary.unchanged++;
        if (a!.rows <= TYPE_SAMPLE_ROWS) this.observe(0, a!.cells());
        if (b!.rows <= TYPE_SAMPLE_ROWS) this.observe(1, b!.cells());
        haveA = a!.next();
        haveB = b!.next();
        continue;
      }
      if (haveA && pa === null) pa = this.pend(0, a!);
      if (haveB && pb === null) pb = this.pend(1, b!);
      if (pa && pb) {
        if (pa.key === pb.key) {
          this.compare(pa, pb);
          pa = pb = null;
        } else if (this.take(this.oldPending, pb.key, (o) => this.compare(o, pb!))) {
          pb = null;
        } else if (this.take(this.newPending, pa.key, (n) => this.compare(pa!, n))) {
          pa = null;
        } else {
          this.hold(this.oldPending, pa);
          this.hold(this.newPending, pb);
          pa = pb = null;
        }
      } else if (pa) {
        if (!this.take(this.newPending, pa.key, (n) => this.compare(pa!, n))) this.hold(this.oldPending, pa);
        pa = null;
      } else if (pb) {
        if (!this.take(this.oldPending, pb.key, (o) => this.compare(o, pb!))) this.hold(this.newPending, pb);
        pb = null;
      }
      if (pa === null && haveA) haveA = a!.next();
      if (pb === null && haveB) haveB = b!.next();
    }
    return this.finish();
  }

  /** Compares headers: renames by position, the key's position on each side, whether bytes can be compared. */
  private planColumns(): void {
    const oldCols = this.a?.columns ?? [];
    const newCols = this.b?.columns ?? [];
    if (this.format !== 'jsonl' && this.a && this.b) {
      const oldSet = new Set(oldCols);
      const newSet = new Set(newCols);
      for (let i = 0; i < Math.min(oldCols.length, newCols.length); i++) {
        const o = oldCols[i]!;
        const n = newCols[i]!;
        if (o !== n && !newSet.has(o) && !oldSet.has(n)) {
          this.renamedTo.set(o, n);
          this.renamedFrom.set(n, o);
        }
      }
      this.positional = oldCols.length === newCols.length && oldCols.every((c, i) => c === newCols[i] || this.renamedTo.get(c) === newCols[i]);
    }
    if (this.keyColumns && this.format !== 'jsonl') {
      this.keyIdx = [this.keyIndexes(this.a, 0), this.keyIndexes(this.b, 1)];
    }
  }

  private keyIndexes(reader: TableReader | null, side: 0 | 1): number[] {
    if (!reader) return [];
    return this.keyColumns!.map((k) => {
      const name = side === 0 ? (this.renamedFrom.get(k) ?? k) : k;
      const i = reader.indexOf(name);
      if (i < 0) {
        throw new InvalidInputError(`key column "${k}" is not in ${reader.source.label} (columns: ${reader.columns.join(', ')})`, {
          data: { key: k, source: reader.source.label },
          hint: 'change the key declared for this path in dv.yaml `keys:`',
        });
      }
      return i;
    });
  }

  /** The current row of a side as an unmatched-row record with its key. */
  private pend(side: 0 | 1, r: TableReader): Pending {
    const text = r.text();
    const cells = r.cells();
    this.observe(side, cells);
    return { line: r.line, key: this.keyOf(side, cells, text), text };
  }

  private keyOf(side: 0 | 1, cells: string[], text: string): string {
    if (this.keyColumns) {
      if (this.format === 'jsonl') {
        const r = side === 0 ? this.a! : this.b!;
        return this.keyColumns.map((k) => {
          const i = r.indexOf(side === 0 ? (this.renamedFrom.get(k) ?? k) : k);
          return i < 0 ? '' : (cells[i] ?? '');
        }).join('\u001f');
      }
      const idx = this.keyIdx[side];
      if (idx.length === 1) return cells[idx[0]!] ?? '';
      return idx.map((i) => cells[i] ?? '').join('\u001f');
    }
    if (this.positional) return text;
    // By content across a schema change: the values of the columns both sides have.
    const map = this.columnMap();
    const out: string[] = [];
    if (side === 1) for (let n = 0; n < map.length; n++) { if (map[n]! >= 0) out.push(cells[n] ?? ''); }
    else for (let n = 0; n < map.length; n++) { const o = map[n]!; if (o >= 0) out.push(cells[o] ?? ''); }
    return out.join('\u001f');
  }

  /** For each new column, the index of the same (or renamed) column on the old side, or -1. */
  private columnMap(): Int32Array {
    const oldCols = this.a?.columns ?? [];
    const newCols = this.b?.columns ?? [];
    const c = this.mapCache;
    if (c && c.oldLen === oldCols.length && c.newLen === newCols.length) return c.map;
    const map = new Int32Array(newCols.length);
    for (let i = 0; i < newCols.length; i++) {
      const name = newCols[i]!;
      map[i] = this.a ? this.a.indexOf(this.renamedFrom.get(name) ?? name) : -1;
    }
    this.mapCache = { oldLen: oldCols.length, newLen: newCols.length, map };
    return map;
  }

  private observe(side: 0 | 1, cells: string[]): void {
    const t = this.types[side];
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i];
      if (isNullValue(v)) continue;
      t[i] = mergeValueTypes(t[i] ?? null, inferValueType(v!));
    }
  }

  private take(map: Map<string, Pending[]>, key: string, use: (p: Pending) => void): boolean {
    const list = map.get(key);
    if (!list) return false;
    const p = list.shift()!;
    if (list.length === 0) map.delete(key);
    this.pendingBytes -= weight(p);
    use(p);
    return true;
  }

  private hold(map: Map<string, Pending[]>, p: Pending): void {
    const list = map.get(p.key);
    if (list) list.push(p);
    else map.set(p.key, [p]);
    this.pendingBytes += weight(p);
  }

  /** Two rows with the same key: changed when a column both sides have differs. */
  private compare(o: Pending, n: Pending): void {
    const oc = this.a!.parse(o.text);
    const nc = this.b!.parse(n.text);
    const map = this.columnMap();
    const newCols = this.b!.columns;
    let cells: RowChange['cells'];
    for (let i = 0; i < newCols.length; i++) {
      const oi = map[i]!;
      if (oi < 0) continue;
      const ov = oc[oi];
      const nv = nc[i];
      if (ov === nv || (isNullValue(ov) && isNullValue(nv))) continue;
      (cells ??= []).push({ column: newCols[i]!, old: isNullValue(ov) ? null : ov!, new: isNullValue(nv) ? null : nv! });
    }
    if (!cells) {
      this.summary.unchanged++;
      return;
    }
    this.summary.changed++;
    this.emit({ kind: 'changed', key: this.keyView(1, nc), oldLine: o.line, newLine: n.line, cells });
  }

  private keyView(side: 0 | 1, cells: string[]): Record<string, string> | null {
    if (!this.keyColumns) return null;
    const r = side === 0 ? this.a! : this.b!;
    const out: Record<string, string> = {};
    for (const k of this.keyColumns) {
      const i = r.indexOf(side === 0 ? (this.renamedFrom.get(k) ?? k) : k);
      out[k] = i < 0 ? '' : (cells[i] ?? '');
    }
    return out;
  }

  private rowView(side: 0 | 1, cells: string[]): Record<string, string> {
    const cols = (side === 0 ? this.a! : this.b!).columns;
    const out: Record<string, string> = {};
    for (let i = 0; i < cols.length; i++) if (cells[i] !== undefined) out[cols[i]!] = cells[i]!;
    return out;
  }

  private removed(p: Pending): void {
    this.summary.removed++;
    const cells = this.a!.parse(p.text);
    this.emit({ kind: 'removed', key: this.keyView(0, cells), oldLine: p.line, row: this.rowView(0, cells) });
  }

  private added(p: Pending): void {
    this.summary.added++;
    const cells = this.b!.parse(p.text);
    this.emit({ kind: 'added', key: this.keyView(1, cells), newLine: p.line, row: this.rowView(1, cells) });
  }

  /**
   * Moves the unmatched rows and everything not yet read to hash partitions on disk, then
   * matches each partition in memory. A partition holds about a quarter of the budget.
   */
  private spill(pa: Pending | null, pb: Pending | null, haveA: boolean, haveB: boolean): void {
    this.spilled = true;
    const remaining = (this.a ? this.a.source.size - this.a.consumed : 0) + (this.b ? this.b.source.size - this.b.consumed : 0);
    const parts = Math.max(4, Math.min(4096, Math.ceil((this.pendingBytes + remaining * 3) / (this.budget / 4))));
    const spill = new RowSpill(parts, this.opts.tmpDir);
    try {
      for (const [side, map] of [[0, this.oldPending], [1, this.newPending]] as const) {
        for (const list of map.values()) for (const p of list) spill.write(side, p.key, p.line, p.text);
        map.clear();
      }
      this.pendingBytes = 0;
      const drain = (side: 0 | 1, r: TableReader | null, current: Pending | null, have: boolean): void => {
        if (current) spill.write(side, current.key, current.line, current.text);
        else if (have) { const p = this.pend(side, r!); spill.write(side, p.key, p.line, p.text); }
        while (r && r.next()) {
          const p = this.pend(side, r);
          spill.write(side, p.key, p.line, p.text);
        }
      };
      drain(0, this.a, pa, haveA);
      drain(1, this.b, pb, haveB);
      spill.flushAll();
      for (let p = 0; p < parts; p++) {
        const olds = new Map<string, Pending[]>();
        for (const { line, text } of spill.read(0, p)) {
          const cells = this.a!.parse(text);
          const row = { line, text, key: this.keyOf(0, cells, text) };
          const list = olds.get(row.key);
          if (list) list.push(row); else olds.set(row.key, [row]);
        }
        for (const { line, text } of spill.read(1, p)) {
          const cells = this.b!.parse(text);
          const row = { line, text, key: this.keyOf(1, cells, text) };
          const list = olds.get(row.key);
          if (list) {
            const o = list.shift()!;
            if (list.length === 0) olds.delete(row.key);
            this.compare(o, row);
          } else this.added(row);
        }
        for (const list of olds.values()) for (const o of list) this.removed(o);
      }
    } finally {
      spill.close();
    }
  }

  private finish(): RowDiffResult {
    for (const list of this.oldPending.values()) for (const p of list) this.removed(p);
    for (const list of this.newPending.values()) for (const p of list) this.added(p);
    this.summary.oldRows = this.a?.rows ?? 0;
    this.summary.newRows = this.b?.rows ?? 0;
    return { format: this.format, key: this.keyColumns, schema: this.schema(), summary: this.summary, spilled: this.spilled };
  }

  private schema(): SchemaDiff {
    const oldColumns = this.a?.columns ?? [];
    const newColumns = this.b?.columns ?? [];
    const bothPresent = this.a !== null && this.b !== null;
    const renamed = [...this.renamedTo].map(([from, to]) => ({ from, to }));
    const oldSet = new Set(oldColumns);
    const newSet = new Set(newColumns);
    const added = bothPresent ? newColumns.filter((c) => !oldSet.has(c) && !this.renamedFrom.has(c)) : [];
    const removed = bothPresent ? oldColumns.filter((c) => !newSet.has(c) && !this.renamedTo.has(c)) : [];
    // Reordered: the columns both sides have do not appear in the same relative order.
    const commonOld = oldColumns.map((c) => this.renamedTo.get(c) ?? c).filter((c) => newSet.has(c));
    const commonNew = newColumns.filter((c) => commonOld.includes(c));
    const reordered = bothPresent && this.format !== 'jsonl' && commonOld.some((c, i) => c !== commonNew[i]);
    const typeChanges: SchemaDiff['typeChanges'] = [];
    if (bothPresent) {
      for (let i = 0; i < newColumns.length; i++) {
        const name = newColumns[i]!;
        const oi = this.a!.indexOf(this.renamedFrom.get(name) ?? name);
        if (oi < 0) continue;
        const ot = this.types[0][oi];
        const nt = this.types[1][i];
        if (ot && nt && ot !== nt) typeChanges.push({ column: name, old: ot, new: nt });
      }
    }
    const changed = added.length + removed.length + renamed.length + typeChanges.length > 0 || reordered;
    return { oldColumns, newColumns, added, removed, renamed, reordered, typeChanges, changed };
  }
}

function weight(p: Pending): number {
  // Object and map entry, the text, and the key when it is not the text itself.
  return 80 + p.text.length * 2 + (p.key === p.text ? 0 : p.key.length * 2);
}
