const NL = 10;
const CR = 13;
const QUOTE = 34;
const EMPTY = Buffer.alloc(0);

/**
 * Walks the records of delimited text one at a time without copying: the current record
 * is `buf[start, end)` (line terminator removed) and stays valid until the next `next()`.
 * With `quoted`, a newline inside double quotes belongs to the record (RFC 4180). Blank
 * lines are skipped. Memory: one input piece plus the unfinished record.
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
  private pos = 0;
  private nextLine = 1;
  private nextQuote = -1;
  private eof = false;
  private baseOffset = 0;
  /** The rest of an input piece whose head was joined to an unfinished record. */
  private queued: Buffer | null = null;

  constructor(private readonly pieces: Iterator<Uint8Array>, private readonly quoted: boolean) {}

  /** Lines read so far: the newlines passed (blank lines and quoted newlines included), plus one for a last record without a newline. */
  get linesRead(): number { return this.nextLine - 1; }

  /** Advances to the next record; false at the end of the input. */
  next(): boolean {
    for (;;) {
      const buf = this.buf;
      const pos = this.pos;
      let nl = buf.indexOf(NL, pos);
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
      this.start = pos;
      this.end = end;
      this.hasQuote = quote;
      return true;
    }
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
