import { InvalidInputError } from '../errors/index.js';
import { hashBytes52 } from '../rows/index.js';
import { splitCsvLine, type RowFormat } from './rows.js';

const QUOTE = 34;
const COMMA = 44;
const EMPTY = Buffer.alloc(0);

/**
 * The key of one row at a time, read from the row's bytes. A CSV row whose fields up to
 * the key do not start with a quote yields the key's bytes without decoding anything
 * (`fast`); other rows (quoted fields, JSONL) are parsed for it. Keys compare as text:
 * the bytes of unquoted CSV fields, else the parsed value (JSON values other than
 * strings in their JSON form).
 */
export class RowKeys {
  /** When `fast`: the current row's key is `buf[start, end)`. */
  fast = false;
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;
  private rowStart = 0;
  private rowEnd = 0;
  private text: string | null = null;
  private col = -1;

  constructor(readonly format: RowFormat, readonly key: string, readonly what: string) {}

  /** Takes the CSV header line (finds the key column); returns the header text. */
  header(buf: Buffer, start: number, end: number): string {
    const text = buf.toString('utf8', start, end);
    this.col = splitCsvLine(text.replace(/^\uFEFF/, '')).indexOf(this.key);
    if (this.col < 0) throw new InvalidInputError(`${this.what} has no column '${this.key}'`, { data: { key: this.key } });
    return text;
  }

  /** Makes `buf[start, end)` the current row, finding its key's bytes when no parsing is needed. */
  locate(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.rowStart = start;
    this.rowEnd = end;
    this.text = null;
    this.fast = this.format === 'csv' && this.findField(buf, start, end);
  }

  /** The current row's key as text; a row without the key, or JSONL that is not an object, is refused. */
  keyText(): string {
    if (this.text === null) this.text = this.fast ? this.buf.toString('utf8', this.start, this.end) : this.parse();
    return this.text;
  }

  /** A 52-bit hash of the current row's key (equal keys, equal hashes). */
  keyHash(): number {
    if (this.fast) return hashBytes52(this.buf, this.start, this.end);
    const b = Buffer.from(this.keyText());
    return hashBytes52(b, 0, b.length);
  }

  /** True when the current rows of `this` and `other` have the same key. */
  sameKey(other: RowKeys): boolean {
    if (!this.fast || !other.fast) return this.keyText() === other.keyText();
    const len = this.end - this.start;
    if (len !== other.end - other.start) return false;
    const a = this.buf;
    const b = other.buf;
    const i = this.start;
    const j = other.start;
    for (let k = 0; k < len; k++) if (a[i + k] !== b[j + k]) return false;
    return true;
  }

  /** Bounds of CSV field `col`, when neither it nor a field before it starts with a quote. */
  private findField(buf: Buffer, start: number, end: number): boolean {
    let p = start;
    for (let i = 0; i < this.col; i++) {
      if (buf[p] === QUOTE) return false;
      const c = buf.indexOf(COMMA, p);
      if (c < 0 || c >= end) return false; // too few fields: the parser names the row
      p = c + 1;
    }
    if (p < end && buf[p] === QUOTE) return false;
    let c = p;
    while (c < end && buf[c] !== COMMA) c++;
    this.start = p;
    this.end = c;
    return true;
  }

  private parse(): string {
    const line = this.buf.toString('utf8', this.rowStart, this.rowEnd);
    let k: unknown;
    if (this.format === 'jsonl') {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        throw new InvalidInputError(`${this.what}: a line is not JSON: ${line.slice(0, 80)}`);
      }
      if (typeof obj === 'object' && obj !== null && !Array.isArray(obj)) k = (obj as Record<string, unknown>)[this.key];
    } else {
      k = splitCsvLine(line)[this.col];
    }
    if (k === undefined) throw new InvalidInputError(`${this.what}: a row has no '${this.key}': ${line.slice(0, 80)}`);
    return typeof k === 'string' ? k : JSON.stringify(k);
  }
}
