import { firstDifference } from './first-difference.js';
import { countRecords, lineBreaks } from './line-breaks.js';

const NL = 10;
const CR = 13;
const QUOTE = 34;
const EMPTY = Buffer.alloc(0);
/** Line breaks found per search in line mode: few after a jump, more while lines are read in a row. */
const FIRST_BREAKS = 16;
const MAX_BREAKS = 4096;

/**
 * Walks the records of delimited text one at a time without copying: the current record
 * is `buf[start, end)` (line terminator removed) and stays valid until the next `next()`.
 * With `quoted`, a newline inside double quotes belongs to the record (RFC 4180). Blank
 * lines are skipped. Memory: one input piece plus the unfinished record. A piece must stay
 * valid until the piece after it has been taken (the cursor copies what it keeps longer).
 */
export class RecordCursor {
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;
  /** 1-based line number where the current record starts. */
  line = 0;
  /** True when the current record contains a double quote (so needs the careful splitter). */
  hasQuote = false;
  /** Bytes consumed so far (through the end of the current record). */
  consumed = 0;
  /** Records read so far, the current one and those skipSame passed included. */
  records = 0;
  private pos = 0;
  private nextLine = 1;
  private nextQuote = -1;
  private eof = false;
  private baseOffset = 0;
  /** The rest of an input piece whose head was joined to an unfinished record. */
  private queued: Buffer | null = null;
  /** Line mode: line breaks of `buf` found ahead, `breaks[nextBreak, breakCount)`. */
  private breaks: Int32Array | null = null;
  private nextBreak = 0;
  private breakCount = 0;
  private batch = FIRST_BREAKS;

  constructor(private readonly pieces: Iterator<Uint8Array>, private readonly quoted: boolean) {}

  /** Lines read so far: the newlines passed (blank lines and quoted newlines included), plus one for a last record without a newline. */
  get linesRead(): number { return this.nextLine - 1; }

  /** Offset in the input of the current record's first byte. */
  get offset(): number { return this.baseOffset + this.start; }

  /** Index in `buf` just past the current record's line break (its end, where the input ends without one). */
  get lineEnd(): number { return Math.min(this.pos, this.buf.length); }

  /** Offset in the input of the first byte not read yet (just past the current record's line break). */
  get position(): number { return this.baseOffset + this.pos; }

  /**
   * Moves this cursor and `other` past the longest run of lines, from where each stands,
   * whose bytes (line breaks included) are the same in both: compared a span at a time,
   * not line by line (`records` counts the run's, `line` is not advanced). For line
   * cursors (not `quoted`).
   */
  skipSame(other: RecordCursor): void {
    const a = this;
    const b = other;
    for (;;) {
      if (a.pos >= a.buf.length && !a.fill()) return;
      if (b.pos >= b.buf.length && !b.fill()) return;
      const restA = a.buf.length - a.pos;
      const restB = b.buf.length - b.pos;
      const n = Math.min(restA, restB);
      const d = firstDifference(a.buf, a.pos, b.buf, b.pos, n);
      // The same bytes up to d: both move past the last line break among them.
      const nl = d > 0 ? a.buf.lastIndexOf(NL, a.pos + d - 1) : -1;
      if (nl >= a.pos) {
        const step = nl + 1 - a.pos;
        const n = countRecords(a.buf, a.pos, nl + 1);
        a.records += n;
        b.records += n;
        a.pos += step;
        b.pos += step;
      }
      if (d < n) return;
      // Equal up to the end of the shorter piece, which ends inside a line: join that line with the next piece.
      if (restA <= restB ? !a.fill() : !b.fill()) return;
    }
  }

  /** Advances to the next record; false at the end of the input. */
  next(): boolean {
    for (;;) {
      const buf = this.buf;
      const pos = this.pos;
      let nl = this.quoted ? buf.indexOf(NL, pos) : this.breakFrom(pos);
      let extraLines = 0;
      let quote = false;
      if (this.quoted && nl >= 0) {
        if (this.nextQuote < pos && this.nextQuote !== -2) {
          this.nextQuote = buf.indexOf(QUOTE, pos);
          if (this.nextQuote < 0) this.nextQuote = -2; // none left in this buffer
        }
        if (this.nextQuote >= 0 && this.nextQuote < nl) {
          quote = true;
          const r = this.quotedEnd(this.nextQuote);
          nl = r.end;
          extraLines = r.lines;
        }
      }
      if (nl < 0) {
        if (this.fill()) continue;
        if (pos >= buf.length) return false;
        // Last record without a terminating newline.
        nl = buf.length;
        if (this.quoted && !quote) quote = buf.indexOf(QUOTE, pos) >= 0;
      }
      let end = nl;
      if (end > pos && buf[end - 1] === CR) end--;
      this.line = this.nextLine;
      this.nextLine += 1 + extraLines;
      this.pos = nl + 1;
      this.consumed = this.baseOffset + Math.min(nl + 1, buf.length);
      if (end === pos) continue; // blank line
      this.records++;
      this.start = pos;
      this.end = end;
      this.hasQuote = quote;
      return true;
    }
  }

  /** Line mode: the first line break at or after `pos` in `buf` (-1: none), found a batch at a time. */
  private breakFrom(pos: number): number {
    // Past the end (after a last record without a line break): nothing to search.
    if (pos >= this.buf.length) return -1;
    const b = (this.breaks ??= new Int32Array(MAX_BREAKS));
    while (this.nextBreak < this.breakCount) {
      const nl = b[this.nextBreak++]!;
      if (nl >= pos) return nl;
      this.batch = FIRST_BREAKS; // the reader jumped ahead (skipSame): search less far next time
    }
    this.breakCount = lineBreaks(this.buf, pos, this.buf.length, this.batch === MAX_BREAKS ? b : b.subarray(0, this.batch));
    this.batch = Math.min(MAX_BREAKS, this.batch * 4);
    this.nextBreak = 0;
    return this.breakCount > 0 ? b[this.nextBreak++]! : -1;
  }

  /** From a quote inside the record at `pos`, the newline that ends the record (-1: need more input). */
  private quotedEnd(firstQuote: number): { end: number; lines: number } {
    const buf = this.buf;
    let inQuotes = false;
    let lines = 0;
    for (let i = firstQuote; i < buf.length; i++) {
      const c = buf[i];
      if (c === QUOTE) inQuotes = !inQuotes;
      else if (c === NL) {
        if (!inQuotes) { this.nextQuote = -1; return { end: i, lines }; }
        lines++;
      }
    }
    if (this.eof) return { end: -1, lines };
    return { end: -1, lines };
  }

  /**
   * Makes the buffer hold the unfinished record at `pos` up to the newline that ends it
   * (or all the rest of the input): following pieces are scanned once each for that
   * newline — in quoted mode one outside quotes — and joined in one copy, so a record
   * spanning many pieces (a long quoted cell, a stray quote) costs linear time. Only the
   * part of the last piece up to the newline is joined; the rest waits in `queued`.
   * False when there is no more input.
   */
  private fill(): boolean {
    const rest = this.buf.subarray(this.pos);
    if (rest.length === 0) {
      // Nothing unfinished: the next piece is the buffer.
      const piece = this.takePiece();
      if (!piece) return false;
      this.baseOffset += this.pos;
      this.buf = piece;
      this.pos = 0;
      this.nextQuote = -1;
      this.nextBreak = this.breakCount = 0;
      return true;
    }
    const parts: Buffer[] = [];
    let inQuotes = this.quoted && quoteParity(rest) === 1;
    for (;;) {
      const piece = this.takePiece();
      if (!piece) break;
      let nl = inQuotes ? -1 : piece.indexOf(NL);
      const q = this.quoted ? piece.indexOf(QUOTE) : -1;
      if (q >= 0 && (inQuotes || nl < 0 || q < nl)) {
        nl = -1;
        for (let i = 0; i < piece.length; i++) {
          const c = piece[i];
          if (c === QUOTE) inQuotes = !inQuotes;
          else if (c === NL && !inQuotes) { nl = i; break; }
        }
      }
      if (nl >= 0 && nl < piece.length - 1) {
        parts.push(piece.subarray(0, nl + 1));
        this.queued = piece.subarray(nl + 1);
        break;
      }
      parts.push(piece);
      if (nl >= 0) break;
    }
    if (parts.length === 0) return false;
    this.baseOffset += this.pos;
    this.buf = Buffer.concat([rest, ...parts]);
    this.pos = 0;
    this.nextQuote = -1;
    this.nextBreak = this.breakCount = 0;
    return true;
  }

  /** The next input piece (the queued rest of the last one first), or null at the end. */
  private takePiece(): Buffer | null {
    const q = this.queued;
    if (q) { this.queued = null; return q; }
    if (this.eof) return null;
    const r = this.pieces.next();
    if (r.done) { this.eof = true; return null; }
    return Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
  }
}

/** 1 when the bytes hold an odd number of double quotes. */
function quoteParity(b: Buffer): number {
  let p = 0;
  for (let i = b.indexOf(QUOTE); i >= 0; i = b.indexOf(QUOTE, i + 1)) p ^= 1;
  return p;
}
