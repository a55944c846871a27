import { InvalidInputError } from '../errors/index.js';
import { hashBytes52, RecordCursor } from '../rows/index.js';
import { RowKeys } from './row-keys.js';
import type { RowFormat } from './rows.js';

/** A row of the current input to feed to the command: where its bytes start, end (before the line break) and its next line starts, and its key. */
export interface FedRow {
  start: number;
  end: number;
  next: number;
  key: string;
  /** Its place among the current input's rows (0: the first row after the header). */
  row: number;
}

/** Rows unchanged between the inputs: `count` rows from row `current` of the current input are those from row `previous` of the previous one. */
export interface KeptRows {
  current: number;
  previous: number;
  count: number;
}

/** How the current input of a row-wise map differs from the previous one, by key. */
export interface RowDelta {
  /** Header line of the current input (CSV), or null. */
  header: string | null;
  /** Its bytes, line break included. */
  headerLine: Buffer | null;
  /**
   * Why only a full run gives the right result, or null: a changed CSV header (every row
   * changes), a key the previous input repeats, or more rows to feed than `maxFedBytes`
   * (a full run is cheaper). The fields below are then empty.
   */
  fullRun: string | null;
  /** Added, changed and moved rows, in the current input's order. */
  fed: FedRow[];
  /** Keys whose previous output rows go: those of changed, moved and deleted rows. */
  dropped: Set<string>;
  /** How many keys the current input no longer has. */
  deleted: number;
  /** The unchanged rows, in the current input's order (ascending in both inputs). */
  kept: KeptRows[];
  /** Rows (after the header) of the previous and the current input. */
  previousRows: number;
  currentRows: number;
}

/**
 * Diffs two keyed tables walking both in step. Runs of identical lines are skipped a
 * span at a time (memcmp of whole pieces, no per-row work); where the bytes differ,
 * rows are compared by key: unmatched rows wait in two maps (previous: key → 52-bit
 * fingerprint of the bytes; current: key → fingerprint and offsets) until their
 * counterpart shows up, and only the side that is behind advances, so the walk realigns
 * after insertions and deletions. Rows matched out of step whose previous position does
 * not fit between the rows around them moved: they count as changed, so the unchanged
 * rows keep one order in both inputs and the previous output can be merged in step.
 * Rows never matched are added or deleted. A key the current input repeats among the
 * rows compared by key is refused. Memory: the rows waiting in the maps and the rows to
 * feed (offsets and keys, not bytes).
 */
export function diffKeyedRows(
  previous: Iterator<Uint8Array>, current: Iterator<Uint8Array>, format: RowFormat, key: string, what: string,
  opts: { maxFedBytes?: number } = {},
): RowDelta {
  const walk = new KeyedWalk(previous, current, format, key, what, opts.maxFedBytes ?? Infinity);
  try {
    walk.headers();
    walk.run();
  } catch (err) {
    if (err instanceof FullRunNeeded) {
      return { header: walk.header, headerLine: walk.headerLine, fullRun: err.message, fed: [], dropped: new Set(), deleted: 0, kept: [], previousRows: 0, currentRows: 0 };
    }
    throw err;
  }
  return {
    header: walk.header, headerLine: walk.headerLine, fullRun: null, fed: walk.fed, dropped: walk.dropped, deleted: walk.deleted,
    kept: walk.kept, previousRows: walk.previousRows, currentRows: walk.currentRows,
  };
}

/** Thrown inside the walk when a delta cannot stand for a full run. */
class FullRunNeeded extends Error {}

/** Runs of rows equal in both inputs, as offsets in each (ascending in both) and as rows. */
class Anchors {
  currentStart: number[] = [];
  previousStart: number[] = [];
  previousEnd: number[] = [];
  rows: KeptRows[] = [];
  private currentEnd = -1;

  add(cur: number, curEnd: number, prev: number, prevEnd: number, rows: KeptRows): void {
    const last = this.previousEnd.length - 1;
    if (last >= 0 && this.currentEnd === cur && this.previousEnd[last] === prev) {
      this.previousEnd[last] = prevEnd;
      this.rows[last]!.count += rows.count;
    } else {
      this.currentStart.push(cur);
      this.previousStart.push(prev);
      this.previousEnd.push(prevEnd);
      this.rows.push(rows);
    }
    this.currentEnd = curEnd;
  }
}

/** A row matched by key out of step (after an insertion, a deletion or a move) whose bytes are equal. */
interface Realigned {
  start: number;
  end: number;
  next: number;
  previous: number;
  key: string;
  row: number;
  previousRow: number;
}

class KeyedWalk {
  header: string | null = null;
  headerLine: Buffer | null = null;
  readonly fed: FedRow[] = [];
  kept: KeptRows[] = [];
  previousRows = 0;
  currentRows = 0;
  /** Records before the first row (the CSV header) on each side. */
  private headO = 0;
  private headN = 0;
  readonly dropped = new Set<string>();
  deleted = 0;
  private readonly O: RecordCursor;
  private readonly N: RecordCursor;
  private readonly keysO: RowKeys;
  private readonly keysN: RowKeys;
  private o = true;
  private n = true;
  private fedBytes = 0;
  private readonly fedKeys = new Set<string>();
  private readonly anchors = new Anchors();
  private readonly realigned: Realigned[] = [];
  private readonly oldPending = new Map<string, { fp: number; at: number; row: number }>();
  private readonly newPending = new Map<string, { fp: number; start: number; end: number; next: number; row: number }>();

  constructor(
    previous: Iterator<Uint8Array>, current: Iterator<Uint8Array>, private readonly format: RowFormat,
    private readonly key: string, private readonly what: string, private readonly maxFed: number,
  ) {
    this.O = new RecordCursor(previous, false);
    this.N = new RecordCursor(current, false);
    this.keysO = new RowKeys(format, key, `${what} (previous)`);
    this.keysN = new RowKeys(format, key, what);
  }

  /** Reads the CSV headers (none for JSONL or an empty input); a changed header needs a full run. */
  headers(): void {
    if (this.format !== 'csv') return;
    const { O, N } = this;
    this.o = O.next();
    this.n = N.next();
    if (this.n) {
      this.header = this.keysN.header(N.buf, N.start, N.end);
      this.headerLine = Buffer.from(N.buf.subarray(N.start, N.lineEnd));
    }
    if (this.o && this.n && !sameRecord(O, N)) throw new FullRunNeeded('the header changed');
    if (this.o) this.keysO.header(O.buf, O.start, O.end);
    this.headO = O.records;
    this.headN = N.records;
  }

  run(): void {
    const { O, N } = this;
    let needO = true;
    let needN = true;
    for (;;) {
      if (needO && needN) {
        const p0 = O.position;
        const c0 = N.position;
        const r0 = O.records;
        const n0 = N.records;
        O.skipSame(N);
        if (O.position > p0) this.anchors.add(c0, N.position, p0, O.position, { current: n0 - this.headN, previous: r0 - this.headO, count: O.records - r0 });
      }
      if (needO) this.o = O.next();
      if (needN) this.n = N.next();
      needO = needN = false;
      if (!this.o || !this.n) break;
      if (this.fedBytes > this.maxFed) throw new FullRunNeeded('most rows changed');
      if (sameRecord(O, N)) {
        // Equal rows whose line breaks differ (CRLF and LF).
        this.anchors.add(N.offset, N.position, O.offset, O.position, { current: this.rowN(), previous: this.rowO(), count: 1 });
        needO = needN = true;
        continue;
      }
      const ko = this.keyO();
      const kn = this.keyN();
      if (ko === kn) {
        this.feed(kn, N.offset, N.offset + N.end - N.start, N.offset + N.lineEnd - N.start, this.rowN());
        this.dropped.add(kn);
        needO = needN = true;
      } else if (this.newPending.has(ko)) {
        this.takeOld(ko); // the current side was ahead: advance the previous side only
        needO = true;
      } else if (this.oldPending.has(kn)) {
        this.takeNew(kn); // the previous side was ahead: advance the current side only
        needN = true;
      } else {
        this.takeOld(ko);
        this.takeNew(kn);
        needO = needN = true;
      }
    }
    for (; this.o; this.o = O.next()) this.takeOld(this.keyO());
    for (; this.n; this.n = N.next()) this.takeNew(this.keyN());
    for (const [k, w] of this.newPending) this.feed(k, w.start, w.end, w.next, w.row);
    for (const k of this.oldPending.keys()) { this.dropped.add(k); this.deleted++; }
    this.feedMoved();
    if (this.fedBytes > this.maxFed) throw new FullRunNeeded('most rows changed');
    this.fed.sort((a, b) => a.start - b.start);
    this.previousRows = O.records - this.headO;
    this.currentRows = N.records - this.headN;
  }

  /** The current rows' places among the rows after the header. */
  private rowO(): number { return this.O.records - 1 - this.headO; }
  private rowN(): number { return this.N.records - 1 - this.headN; }

  /**
   * Rows realigned by key stay unchanged only where their previous position lies between
   * those of the unchanged rows around them (in the current order); the others moved and
   * are fed again, so the rows left unchanged have one order in both inputs.
   */
  private feedMoved(): void {
    const { currentStart, previousStart, previousEnd, rows } = this.anchors;
    this.realigned.sort((a, b) => a.start - b.start);
    const kept: KeptRows[] = [];
    let next = 0;
    let low = 0;
    for (const r of this.realigned) {
      while (next < currentStart.length && currentStart[next]! < r.start) {
        low = Math.max(low, previousEnd[next]!);
        kept.push(rows[next++]!);
      }
      const high = next < currentStart.length ? previousStart[next]! : Infinity;
      if (r.previous >= low && r.previous < high) {
        low = r.previous + 1;
        kept.push({ current: r.row, previous: r.previousRow, count: 1 });
      } else {
        this.feed(r.key, r.start, r.end, r.next, r.row);
        this.dropped.add(r.key);
      }
    }
    while (next < rows.length) kept.push(rows[next++]!);
    this.kept = kept;
  }

  private keyO(): string {
    this.keysO.locate(this.O.buf, this.O.start, this.O.end);
    return this.keysO.keyText();
  }

  private keyN(): string {
    this.keysN.locate(this.N.buf, this.N.start, this.N.end);
    return this.keysN.keyText();
  }

  private twice(k: string): InvalidInputError {
    return new InvalidInputError(`${this.what}: key '${k}' appears twice`, { hint: `a map stage needs a unique key column (${this.key})` });
  }

  private feed(k: string, start: number, end: number, next: number, row: number): void {
    if (this.fedKeys.has(k)) throw this.twice(k);
    this.fedKeys.add(k);
    this.fed.push({ start, end, next, key: k, row });
    this.fedBytes += next - start;
  }

  private takeOld(k: string): void {
    const O = this.O;
    const fp = hashBytes52(O.buf, O.start, O.end);
    const waiting = this.newPending.get(k);
    if (waiting === undefined) {
      if (this.oldPending.has(k)) throw new FullRunNeeded(`the previous input repeats key '${k}'`);
      this.oldPending.set(k, { fp, at: O.offset, row: this.rowO() });
      return;
    }
    this.newPending.delete(k);
    if (waiting.fp !== fp) { this.feed(k, waiting.start, waiting.end, waiting.next, waiting.row); this.dropped.add(k); }
    else this.realigned.push({ ...waiting, previous: O.offset, previousRow: this.rowO(), key: k });
  }

  private takeNew(k: string): void {
    const N = this.N;
    const fp = hashBytes52(N.buf, N.start, N.end);
    const start = N.offset;
    const end = start + N.end - N.start;
    const next = start + N.lineEnd - N.start;
    const row = this.rowN();
    const waiting = this.oldPending.get(k);
    if (waiting === undefined) {
      if (this.newPending.has(k)) throw this.twice(k);
      this.newPending.set(k, { fp, start, end, next, row });
      return;
    }
    this.oldPending.delete(k);
    if (waiting.fp !== fp) { this.feed(k, start, end, next, row); this.dropped.add(k); }
    else this.realigned.push({ start, end, next, row, previous: waiting.at, previousRow: waiting.row, key: k });
  }
}

/** True when the current records of two cursors are the same bytes. */
export function sameRecord(a: RecordCursor, b: RecordCursor): boolean {
  return a.end - a.start === b.end - b.start && a.buf.compare(b.buf, b.start, b.end, a.start, a.end) === 0;
}
