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

  /** Newlines passed so far (blank lines and newlines inside quotes included). */
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

  /** Appends the next input piece to the unread rest; false at the end of input. */
  private fill(): boolean {
    let piece = this.queued;
    this.queued = null;
    if (!piece) {
      if (this.eof) return false;
      const r = this.pieces.next();
      if (r.done) { this.eof = true; return false; }
      piece = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    }
    const rest = this.buf.length - this.pos;
    this.baseOffset += this.pos;
    if (rest === 0) this.buf = piece;
    else {
      // Join only the piece's first line to the unfinished record, not the whole piece.
      const nl = piece.indexOf(NL);
      if (nl >= 0 && nl < piece.length - 1) {
        this.buf = Buffer.concat([this.buf.subarray(this.pos), piece.subarray(0, nl + 1)]);
        this.queued = piece.subarray(nl + 1);
      } else this.buf = Buffer.concat([this.buf.subarray(this.pos), piece]);
    }
    this.pos = 0;
    this.nextQuote = -1;
    return true;
  }
}
