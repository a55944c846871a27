import fs from 'node:fs';
import type { ChunkSource } from './chunk-source.js';
import { TableReader } from './table-reader.js';
import type { TableFormat } from './table-format.js';

const NL = 10;
const QUOTE = 34;
/** Bytes read at a time past a segment's target while looking for the end of its last record. */
const READ_MORE = 64 * 1024;
/** A segment grows to at least this size (and 4 targets) looking for a record end before the cutting gives up. */
const LONGEST_SEGMENT = 1024 * 1024;

/**
 * Cuts a table's bytes from `start` (a row boundary: just after the header) into
 * segments of about `target` bytes, each ending just after a newline that ends a record —
 * in CSV one outside double quotes (the number of quotes since the segment's start is
 * even there, as RecordCursor reads quoted newlines, RFC 4180). Each segment therefore
 * reads as the same records, with the same line breaks, as the whole table does.
 *
 * Segments are views of whole buffers meant to be moved to another thread; handing a
 * buffer back with `recycle` lets the next segments reuse it, so memory stays at the
 * segments in flight. A source with a `file` is read straight into them.
 *
 * A record too long to end a segment of at most max(4 × target, 1 MiB) — a huge quoted
 * cell, or a stray quote that makes the rest of a CSV one quoted cell — stops the cutting
 * and sets `gaveUp`: the caller then reads the table whole instead.
 */
export class RowSegmenter {
  /** True when a segment found no record end within its limit (the segments yielded so far are fine, the rest is not cut). */
  gaveUp = false;
  private readonly free: ArrayBuffer[] = [];
  private readonly quoted: boolean;
  private readonly more: number;

  constructor(private readonly source: ChunkSource, format: TableFormat, private readonly start: number, private readonly target: number) {
    this.quoted = format === 'csv';
    this.more = Math.min(READ_MORE, target);
  }

  /** Gives back the buffer of a segment that is done with. */
  recycle(buf: ArrayBuffer): void {
    if (buf.byteLength >= this.target + this.more) this.free.push(buf);
  }

  *segments(): Generator<Buffer> {
    const feed = openFeed(this.source, this.start);
    try {
      let buf = this.buffer();
      let len = 0;
      for (;;) {
        while (len < this.target) {
          const n = feed.read(buf, len, this.target - len);
          if (n === 0) break;
          len += n;
        }
        if (len < this.target) {
          if (len > 0) yield buf.subarray(0, len);
          return;
        }
        // The segment ends at the first record end from its target on, reading on until there is one.
        let from = this.target - 1;
        let parity = this.quoted ? quoteParity(buf.subarray(0, from)) : 0;
        let end = -1;
        for (;;) {
          const view = buf.subarray(0, len);
          const r = this.quoted ? nextRecordEnd(view, from, parity) : { end: view.indexOf(NL, from), parity: 0 };
          if (r.end >= 0) { end = r.end + 1; break; }
          parity = r.parity;
          from = len;
          if (len + this.more > buf.length) {
            if (buf.length * 2 > Math.max(4 * this.target, LONGEST_SEGMENT)) {
              this.gaveUp = true;
              return;
            }
            const grown = Buffer.from(new ArrayBuffer(buf.length * 2));
            buf.copy(grown, 0, 0, len);
            buf = grown;
          }
          const n = feed.read(buf, len, this.more);
          if (n === 0) break;
          len += n;
        }
        if (end < 0) {
          yield buf.subarray(0, len);
          return;
        }
        // The bytes read past the cut start the next segment.
        const next = this.buffer();
        buf.copy(next, 0, end, len);
        yield buf.subarray(0, end);
        buf = next;
        len -= end;
      }
    } finally {
      feed.close();
    }
  }

  /** A segment buffer: a Buffer (fast byte search) over an ArrayBuffer of its own (to move to another thread). */
  private buffer(): Buffer {
    return Buffer.from(this.free.pop() ?? new ArrayBuffer(this.target + this.more));
  }
}

/** Sequential reads of a source's bytes from `start`: straight from its file, or copied from its pieces. */
function openFeed(source: ChunkSource, start: number): { read(into: Buffer, at: number, max: number): number; close(): void } {
  if (source.file !== undefined) {
    const fd = fs.openSync(source.file, 'r');
    let position = start;
    return {
      read: (into, at, max) => {
        const n = fs.readSync(fd, into, at, max, position);
        position += n;
        return n;
      },
      close: () => fs.closeSync(fd),
    };
  }
  const pieces = source.open();
  let piece: Uint8Array = new Uint8Array(0);
  let pos = 0;
  let skip = start;
  return {
    read: (into, at, max) => {
      while (pos >= piece.length) {
        const r = pieces.next();
        if (r.done) return 0;
        piece = r.value;
        pos = Math.min(skip, piece.length);
        skip -= pos;
      }
      const n = Math.min(max, piece.length - pos);
      into.set(piece.subarray(pos, pos + n), at);
      pos += n;
      return n;
    },
    close: () => { pieces.return?.(); },
  };
}

/** 1 when `buf` holds an odd number of double quotes. */
function quoteParity(buf: Buffer): number {
  let p = 0;
  for (let i = buf.indexOf(QUOTE); i >= 0; i = buf.indexOf(QUOTE, i + 1)) p ^= 1;
  return p;
}

/**
 * The first newline at or after `from` that is outside quotes, given the quote parity at
 * `from`; end -1 when the buffer has none (parity is then the buffer's end's).
 */
function nextRecordEnd(buf: Buffer, from: number, parity: number): { end: number; parity: number } {
  let i = from;
  let nl = -1;
  for (;;) {
    if (parity === 1) {
      const q = buf.indexOf(QUOTE, i);
      if (q < 0) return { end: -1, parity };
      parity = 0;
      i = q + 1;
      continue;
    }
    if (nl < i) nl = buf.indexOf(NL, i);
    const q = buf.indexOf(QUOTE, i);
    if (q >= 0 && (nl < 0 || q < nl)) {
      parity = 1;
      i = q + 1;
      continue;
    }
    return { end: nl, parity: 0 };
  }
}

/** A reader of one segment's rows, with the table's columns (the header is not in the segment). */
export function segmentReader(bytes: Uint8Array, format: TableFormat, columns: readonly string[], label: string): TableReader {
  return new TableReader(format, { label, size: bytes.length, open: () => [bytes][Symbol.iterator]() }, { columns });
}
