import fs from 'node:fs';
import { InvalidInputError } from '../errors/index.js';
import { RecordCursor } from '../rows/index.js';
import type { LineWriter } from './line-writer.js';
import type { RowDelta } from './row-delta.js';
import { RowKeys } from './row-keys.js';
import type { RowFormat } from './rows.js';

/**
 * The rows a command wrote for the fed rows, read in step by the merges that use them
 * (the partitions of a batch share one). Its CSV header is read first.
 */
export class DeltaRows {
  readonly keys: RowKeys;
  /** The CSV header line (line break included) and its text without the line break. */
  header: Buffer | null = null;
  headerText: string | null = null;
  /** True while a row is current. */
  has: boolean;
  readonly cursor: RecordCursor;

  constructor(pieces: Iterator<Uint8Array>, format: RowFormat, key: string, what: string) {
    this.cursor = new RecordCursor(pieces, false);
    this.keys = new RowKeys(format, key, what);
    this.has = this.cursor.next();
    if (format === 'csv' && this.has) {
      const c = this.cursor;
      this.headerText = this.keys.header(c.buf, c.start, c.end);
      this.header = Buffer.from(c.buf.subarray(c.start, c.lineEnd));
      this.has = c.next();
    }
    if (this.has) this.keys.locate(this.cursor.buf, this.cursor.start, this.cursor.end);
  }

  advance(): void {
    this.has = this.cursor.next();
    if (this.has) this.keys.locate(this.cursor.buf, this.cursor.start, this.cursor.end);
  }
}

/** What one merge did. */
export interface MergeResult {
  /** False when the outputs turned out not to follow the input's row order: the merged file is unusable. */
  inStep: boolean;
  /** Rows of the current input. */
  rows: number;
  /** True when the merged output holds exactly one row for each row of the current input, with its key. */
  oneRowEach: boolean;
}

export interface MergeInput {
  /** The current input (CSV or JSONL); not read by a merge by position. */
  current: Iterator<Uint8Array>;
  inFormat: RowFormat;
  input: string;
  /** The previous output. */
  previousOut: Iterator<Uint8Array>;
  outFormat: RowFormat;
  output: string;
  key: string;
  diff: RowDelta;
  delta: DeltaRows;
  write: LineWriter;
}

const NOT_IN_STEP: MergeResult = { inStep: false, rows: 0, oneRowEach: false };

/**
 * Writes the merged output: for each row of the current input in order, the delta
 * output's rows for a fed row, else the previous output's rows for its key. All three
 * are walked in step (a row-wise map writes rows in input order, and the diff left the
 * unchanged rows in one order): previous rows of dropped keys are skipped, and a key
 * whose rows are not next has none. Anything left over at the end means the outputs
 * were not in step (`inStep` false). Consecutive previous rows are copied as one span.
 * A key that an unchanged row shares with a fed row (the current input repeats it) is
 * refused; one it shares with a deleted row (the previous input repeated it) leaves the
 * merge not in step. Repeats among unchanged rows only are merged as a full run maps
 * them, so they are let be: the check costs one bit test per row, not a set of every key.
 */
export function mergeKeyedRows(m: MergeInput): MergeResult {
  return new KeyedMerge(m).run();
}

/**
 * The merge when the previous output is known to hold exactly one row per row of the
 * previous input, in order, and the delta output one row per fed row (checked by key as
 * it is taken): the previous rows are taken by position from the diff's runs of
 * unchanged rows, so neither the current input nor the previous output's keys are read.
 * Repeated keys then cannot mislead it. The previous output must hold `previousRows`.
 */
export function mergeByPosition(m: MergeInput): MergeResult {
  return new PositionalMerge(m).run();
}

/** What both merges share: the previous output's cursor, its header, spans of its rows, writing. */
abstract class Merge {
  protected readonly P: RecordCursor;
  protected readonly keysP: RowKeys;
  protected readonly w: LineWriter;
  protected readonly D: DeltaRows;
  protected p = false;
  /** Consecutive rows of the previous output go out as one span of this buffer. */
  private spanBuf: Buffer | null = null;
  private spanStart = 0;
  private spanEnd = 0;

  constructor(protected readonly m: MergeInput) {
    this.P = new RecordCursor(m.previousOut, false);
    this.keysP = new RowKeys(m.outFormat, m.key, `${m.output} (previous)`);
    this.w = m.write;
    this.D = m.delta;
  }

  /** Reads the previous output's header and writes the merged one; false when the delta output's header differs. */
  protected headers(): boolean {
    const { P, keysP, D, m } = this;
    this.p = P.next();
    if (m.outFormat === 'csv') {
      const header = this.p ? keysP.header(P.buf, P.start, P.end) : null;
      // A header that differs from the previous one changes every row.
      if (D.headerText !== null && header !== null && D.headerText !== header) return false;
      if (D.header) appendLine(this.w, D.header);
      else if (this.p) this.emit(P);
      if (this.p) this.p = P.next();
    }
    if (this.p) keysP.locate(P.buf, P.start, P.end);
    return true;
  }

  protected advanceP(): void {
    const P = this.P;
    this.p = P.next();
    if (this.p) this.keysP.locate(P.buf, P.start, P.end);
  }

  /** Takes the previous output's current row into the span, or writes it when it cannot join one. */
  protected keepP(): void {
    const P = this.P;
    const end = P.lineEnd;
    if (end === P.end) {
      this.flushSpan();
      this.emit(P);
    } else if (P.buf === this.spanBuf && P.start === this.spanEnd) {
      this.spanEnd = end;
    } else {
      this.flushSpan();
      this.spanBuf = P.buf;
      this.spanStart = P.start;
      this.spanEnd = end;
    }
  }

  protected flushSpan(): void {
    if (this.spanBuf) this.w.append(this.spanBuf, this.spanStart, this.spanEnd);
    this.spanBuf = null;
  }

  /** Writes a cursor's current row with its own line break (a line break where the input ended without one). */
  protected emit(c: RecordCursor): void {
    const end = c.lineEnd;
    this.w.append(c.buf, c.start, end);
    if (end === c.end) this.w.append(NEWLINE);
  }
}

class KeyedMerge extends Merge {
  run(): MergeResult {
    const { keysP, D, m } = this;
    const N = new RecordCursor(m.current, false);
    const keysN = new RowKeys(m.inFormat, m.key, m.input);
    if (m.inFormat === 'csv' && N.next()) keysN.header(N.buf, N.start, N.end);
    if (!this.headers()) return NOT_IN_STEP;
    const { fed, dropped } = m.diff;
    const fedKeys = new Set(fed.map((r) => r.key));
    const guard = new KeyGuard([...fedKeys, ...dropped]);
    let nextFed = fed.length > 0 ? fed[0]!.start : -1;
    let fi = 0;
    let rows = 0;
    let oneRowEach = true;
    while (N.next()) {
      rows++;
      keysN.locate(N.buf, N.start, N.end);
      let taken = 0;
      if (N.offset === nextFed) {
        nextFed = ++fi < fed.length ? fed[fi]!.start : -1;
        this.flushSpan();
        while (D.has && D.keys.sameKey(keysN)) {
          this.emit(D.cursor);
          D.advance();
          taken++;
        }
        if (taken !== 1) oneRowEach = false;
        continue;
      }
      if (guard.mayHave(keysN)) {
        const k = keysN.keyText();
        // An unchanged row with a fed key: the current input repeats it.
        if (fedKeys.has(k)) throw new InvalidInputError(`${m.input}: key '${k}' appears twice`, { hint: `a map stage needs a unique key column (${m.key})` });
        // A deleted key still here: the previous input had it twice; only a full run is sure to be right.
        if (dropped.has(k)) return NOT_IN_STEP;
      }
      while (this.p && !keysP.sameKey(keysN)) {
        if (!dropped.has(keysP.keyText())) break;
        this.advanceP();
      }
      while (this.p && keysP.sameKey(keysN)) {
        this.keepP();
        this.advanceP();
        taken++;
      }
      if (taken !== 1) oneRowEach = false;
    }
    this.flushSpan();
    for (; this.p; this.advanceP()) if (!dropped.has(keysP.keyText())) return NOT_IN_STEP;
    if (fi < fed.length) return NOT_IN_STEP;
    return { inStep: true, rows, oneRowEach };
  }
}

class PositionalMerge extends Merge {
  run(): MergeResult {
    const { D, m } = this;
    if (!this.headers()) return NOT_IN_STEP;
    const { kept, fed } = m.diff;
    let row = 0; // the previous output's current row
    let ki = 0;
    let fi = 0;
    while (ki < kept.length || fi < fed.length) {
      if (fi < fed.length && (ki >= kept.length || fed[fi]!.row < kept[ki]!.current)) {
        // A fed row: its one delta row.
        const f = fed[fi++]!;
        if (!D.has || D.keys.keyText() !== f.key) return NOT_IN_STEP;
        this.flushSpan();
        this.emit(D.cursor);
        D.advance();
        continue;
      }
      const k = kept[ki++]!;
      for (; row < k.previous; row++) {
        if (!this.p) return NOT_IN_STEP;
        this.nextP();
      }
      for (let i = 0; i < k.count; i++, row++) {
        if (!this.p) return NOT_IN_STEP;
        this.keepP();
        this.nextP();
      }
    }
    this.flushSpan();
    for (; this.p; row++) this.nextP();
    if (row !== m.diff.previousRows) return NOT_IN_STEP;
    return { inStep: true, rows: m.diff.currentRows, oneRowEach: true };
  }

  /** Moves to the previous output's next row without reading its key. */
  private nextP(): void {
    this.p = this.P.next();
  }
}

/**
 * Keys of fed and dropped rows as bits of a 2^20-bit map (128 KiB, cache-resident): a row
 * whose key's bit is clear has none of them; a set bit is checked against the keys.
 */
class KeyGuard {
  private readonly bits = new Int32Array(1 << 15);

  constructor(keys: Iterable<string>) {
    for (const k of keys) {
      const b = Buffer.from(k);
      const h = fnv1a(b, 0, b.length) >>> 12;
      this.bits[h >>> 5]! |= 1 << (h & 31);
    }
  }

  mayHave(keys: RowKeys): boolean {
    let h: number;
    if (keys.fast) h = fnv1a(keys.buf, keys.start, keys.end);
    else {
      const b = Buffer.from(keys.keyText());
      h = fnv1a(b, 0, b.length);
    }
    h >>>= 12;
    return (this.bits[h >>> 5]! & (1 << (h & 31))) !== 0;
  }
}

function fnv1a(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

const NEWLINE = Buffer.from('\n');

function appendLine(w: LineWriter, line: Buffer): void {
  w.append(line);
  if (line.length === 0 || line[line.length - 1] !== 10) w.append(NEWLINE);
}

/** Writes the fed rows of `input` (their own bytes and line breaks), in input order, after its header line with `header`. */
export function writeFedRows(input: string, diff: RowDelta, write: LineWriter, opts: { header: boolean }): void {
  if (opts.header && diff.headerLine) appendLine(write, diff.headerLine);
  if (diff.fed.length === 0) return;
  const fd = fs.openSync(input, 'r');
  try {
    let block = Buffer.allocUnsafe(1 << 20);
    let blockStart = 0;
    let blockEnd = 0;
    for (const r of diff.fed) {
      if (r.start < blockStart || r.next > blockEnd) {
        // Read from this row on: the rows after it are usually in the same block.
        if (r.next - r.start > block.length) block = Buffer.allocUnsafe(r.next - r.start);
        blockStart = r.start;
        blockEnd = blockStart + readAt(fd, block, blockStart);
        if (r.next > blockEnd) throw new InvalidInputError(`${input} changed while dv read it`);
      }
      write.append(block, r.start - blockStart, r.next - blockStart);
      if (r.next === r.end) write.append(NEWLINE);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function readAt(fd: number, buf: Buffer, position: number): number {
  let n = 0;
  while (n < buf.length) {
    const r = fs.readSync(fd, buf, n, buf.length - n, position + n);
    if (r === 0) break;
    n += r;
  }
  return n;
}
