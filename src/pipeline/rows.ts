import fs from 'node:fs';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { InvalidInputError } from '../errors/index.js';

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

/** A keyed table read line by line: the header (CSV) and each row's key with its line. */
export interface KeyedRows {
  header: string | null;
  rows: AsyncIterable<{ key: string; line: string }>;
}

/** Lines of a stream, without line endings (a final empty line is dropped). */
export async function* readLines(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<string> {
  const rl = readline.createInterface({ input: Readable.from(source), crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

/**
 * Reads a CSV (with a header naming `key`) or JSONL (objects with field `key`) stream as
 * keyed rows. A missing key column is refused naming `what`.
 */
export async function readKeyedRows(lines: AsyncIterable<string>, format: RowFormat, key: string, what: string): Promise<KeyedRows> {
  const it = lines[Symbol.asyncIterator]();
  let header: string | null = null;
  let col = -1;
  if (format === 'csv') {
    const first = await it.next();
    if (first.done) return { header: null, rows: empty() };
    header = first.value;
    col = splitCsvLine(header).indexOf(key);
    if (col < 0) throw new InvalidInputError(`${what} has no column '${key}'`, { data: { key } });
  }
  async function* rows() {
    let n = format === 'csv' ? 1 : 0;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      n++;
      const line = r.value;
      if (line === '') continue;
      let k: unknown;
      if (format === 'csv') k = splitCsvLine(line)[col];
      else {
        try {
          k = (JSON.parse(line) as Record<string, unknown>)[key];
        } catch {
          throw new InvalidInputError(`${what} line ${n} is not JSON`);
        }
      }
      if (k === undefined) throw new InvalidInputError(`${what} line ${n} has no '${key}'`);
      yield { key: typeof k === 'string' ? k : JSON.stringify(k), line };
    }
  }
  return { header, rows: rows() };
}

async function* empty(): AsyncGenerator<{ key: string; line: string }> {}

/** Keyed rows of a working-tree or scratch file. */
export function readKeyedFile(file: string, format: RowFormat, key: string, what: string): Promise<KeyedRows> {
  return readKeyedRows(readLines(fs.createReadStream(file)), format, key, what);
}
