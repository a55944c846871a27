import { InvalidInputError } from '../errors/index.js';
import type { ChunkSource } from './chunk-source.js';
import { RecordCursor } from './record-cursor.js';
import { splitRecord } from './split-record.js';
import type { TableFormat } from './table-format.js';

/**
 * Reads a CSV, TSV or JSONL source row by row. CSV and TSV take their columns from the
 * header line; JSONL's columns are the object keys in order of first appearance, so the
 * list grows as new keys show up. Cells are strings ('' for empty or JSON null).
 */
export class TableReader {
  readonly columns: string[] = [];
  private readonly cursor: RecordCursor;
  private readonly delimiter: string;
  private readonly delimiterByte: number;
  private readonly columnIndex = new Map<string, number>();
  private cached: string[] | null = null;
  /** Data rows read so far (the current one included). */
  rows = 0;
  /** Bytes before the first data row (the header line and blank lines before it; 0 for JSONL). */
  readonly dataStart: number = 0;
  /** Newlines before the first data row. */
  readonly linesBeforeData: number = 0;

  /**
   * With `columns`, the source holds data rows only (a part of a table cut at a row
   * boundary): no header is read and the columns start as given.
   */
  constructor(readonly format: TableFormat, readonly source: ChunkSource, opts: { columns?: readonly string[] } = {}) {
    this.cursor = new RecordCursor(source.open(), format === 'csv');
    this.delimiter = format === 'tsv' ? '\t' : ',';
    this.delimiterByte = this.delimiter.charCodeAt(0);
    if (opts.columns) {
      for (const c of opts.columns) this.addColumn(c);
    } else if (format !== 'jsonl' && this.cursor.next()) {
      const header = splitRecord(this.text(), this.delimiter, this.cursor.hasQuote).map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h));
      for (const h of header) this.addColumn(h);
      this.dataStart = this.cursor.consumed;
      this.linesBeforeData = this.cursor.linesRead;
    }
  }

  /** Advances to the next data row; false at the end. */
  next(): boolean {
    this.cached = null;
    if (!this.cursor.next()) return false;
    this.rows++;
    return true;
  }

  /** 1-based line of the current row in the file. */
  get line(): number { return this.cursor.line; }

  /** Lines read so far (see RecordCursor.linesRead). */
  get linesRead(): number { return this.cursor.linesRead; }

  /** Bytes read so far. */
  get consumed(): number { return this.cursor.consumed; }

  /** The current row's bytes, valid until next(). */
  get buf(): Buffer { return this.cursor.buf; }
  get start(): number { return this.cursor.start; }
  get end(): number { return this.cursor.end; }

  /** The current row as text (its exact bytes, decoded as UTF-8). */
  text(): string {
    const c = this.cursor;
    return c.buf.toString('utf8', c.start, c.end);
  }

  /** True when the current rows of both readers are the same bytes. */
  sameBytes(other: TableReader): boolean {
    const a = this.cursor;
    const b = other.cursor;
    const len = a.end - a.start;
    if (len !== b.end - b.start) return false;
    return a.buf.compare(b.buf, b.start, b.end, a.start, a.end) === 0;
  }

  /** The current row's cells, aligned with `columns` (a JSONL row lacking a key has undefined there). */
  cells(): string[] {
    if (this.cached) return this.cached;
    this.cached = this.parse(this.text(), this.cursor.hasQuote);
    return this.cached;
  }

  /**
   * Field boundaries of the current row without making strings: field i is
   * `buf[out[i], (i + 1 < n ? out[i + 1] - 1 : end))`. Returns n, or -1 when the row needs
   * the full parser (JSONL, or a quote in a CSV row). With `limit`, stops after that many
   * fields (the last one found then runs to the end of the row, so callers read fields
   * below `limit - 1` only).
   */
  fieldStarts(out: Int32Array, limit = out.length): number {
    const c = this.cursor;
    if (this.format === 'jsonl' || c.hasQuote) return -1;
    const buf = c.buf;
    const end = c.end;
    const d = this.delimiterByte;
    let n = 0;
    out[n++] = c.start;
    let j = c.start;
    for (;;) {
      const k = buf.indexOf(d, j);
      if (k < 0 || k >= end) return n;
      if (n >= out.length) return -1;
      out[n++] = k + 1;
      if (n >= limit) return n;
      j = k + 1;
    }
  }

  /** Parses one row's text (the current row's, or one kept from earlier) into cells. */
  parse(text: string, hasQuote = text.includes('"')): string[] {
    if (this.format !== 'jsonl') return splitRecord(text, this.delimiter, hasQuote);
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (err) {
      throw new InvalidInputError(`${this.source.label} line ${this.line}: not valid JSON (${(err as Error).message})`, { data: { source: this.source.label, line: this.line } });
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw new InvalidInputError(`${this.source.label} line ${this.line}: a JSONL row must be an object`, { data: { source: this.source.label, line: this.line } });
    }
    const out: string[] = new Array(this.columns.length);
    for (const [k, v] of Object.entries(obj)) {
      let i = this.columnIndex.get(k);
      if (i === undefined) i = this.addColumn(k);
      out[i] = v === null ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    return out;
  }

  /** Index of a column by name, or -1. */
  indexOf(name: string): number {
    return this.columnIndex.get(name) ?? -1;
  }

  private addColumn(name: string): number {
    const i = this.columns.length;
    this.columns.push(name);
    if (!this.columnIndex.has(name)) this.columnIndex.set(name, i);
    return i;
  }
}
