import fs from 'node:fs';

/** Row formats dv reads by key. */
export type RowFormat = 'csv' | 'jsonl';

/** The format of a file by its extension: `.jsonl`/`.ndjson` are JSON lines, anything else CSV. */
export function rowFormatOf(file: string): RowFormat {
  return /\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'csv';
}

/** Splits one CSV line into fields (RFC 4180 quoting, no line breaks inside fields). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) { v += line.slice(i); i = line.length; break; }
        v += line.slice(i, q);
        if (line[q + 1] === '"') { v += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
      out.push(v);
      if (line[i] === ',') { i++; continue; }
      return out;
    }
    const c = line.indexOf(',', i);
    if (c < 0) { out.push(line.slice(i)); return out; }
    out.push(line.slice(i, c));
    i = c + 1;
  }
}

const READ_SIZE = 1 << 20;

/** The content of a file in pieces (synchronous: row scans run at the speed of the disk, not of the event loop). */
export function* fileChunks(file: string): Generator<Uint8Array> {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(READ_SIZE);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, READ_SIZE, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Lines of content as byte views, without line endings. A view is valid until the next
 * line is taken (the reader may reuse its buffer); lines that span pieces are copied.
 */
export function* byteLines(chunks: Iterable<Uint8Array>): Generator<Buffer> {
  let rest: Buffer | null = null;
  for (const piece of chunks) {
    const buf: Buffer = rest ? Buffer.concat([rest, piece]) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      yield buf.subarray(start, nl > start && buf[nl - 1] === 13 ? nl - 1 : nl);
      start = nl + 1;
    }
    rest = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
  }
  if (rest && rest.length > 0) yield rest;
}

/** The lines of content given in pieces, without line endings (`\n` or `\r\n`); a final empty line is dropped. */
export function* lines(chunks: Iterable<Uint8Array>): Generator<string> {
  for (const line of byteLines(chunks)) yield line.toString('utf8');
}
