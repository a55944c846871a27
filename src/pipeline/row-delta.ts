import { InvalidInputError } from '../errors/index.js';
import { byteLines, splitCsvLine, type RowFormat } from './rows.js';

/** Reads the key of a row given as bytes; CSV lines without quotes are sliced without decoding the row. */
export class RowKeys {
  private col = -1;

  constructor(private readonly format: RowFormat, private readonly key: string, private readonly what: string) {}

  /** Takes the CSV header (finds the key column); returns the header text. */
  header(line: Buffer): string {
    const text = line.toString('utf8');
    this.col = splitCsvLine(text).indexOf(this.key);
    if (this.col < 0) throw new InvalidInputError(`${this.what} has no column '${this.key}'`, { data: { key: this.key } });
    return text;
  }

  /** The key of one row. */
  of(line: Buffer): string {
    let k: unknown;
    if (this.format === 'jsonl') {
      try {
        k = (JSON.parse(line.toString('utf8')) as Record<string, unknown>)[this.key];
      } catch {
        throw new InvalidInputError(`${this.what}: a line is not JSON: ${line.toString('utf8').slice(0, 80)}`);
      }
    } else if (line.indexOf(34) < 0) {
      let start = 0;
      for (let i = 0; i < this.col && start >= 0; i++) {
        const c = line.indexOf(44, start);
        start = c < 0 ? -1 : c + 1;
      }
      if (start >= 0) {
        const end = line.indexOf(44, start);
        k = line.toString('utf8', start, end < 0 ? line.length : end);
      }
    } else {
      k = splitCsvLine(line.toString('utf8'))[this.col];
    }
    if (k === undefined) throw new InvalidInputError(`${this.what}: a row has no '${this.key}': ${line.toString('utf8').slice(0, 80)}`);
    return typeof k === 'string' ? k : JSON.stringify(k);
  }
}

/** A 53-bit fingerprint of a row's bytes (two FNV-1a variants). */
export function bytesFingerprint(b: Uint8Array): number {
  let x = 0x811c9dc5;
  let y = 0x01000193;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    x = Math.imul(x ^ c, 0x01000193);
    y = Math.imul(y ^ c, 0x5bd1e995) ^ (y >>> 13);
  }
  return (x >>> 0) * 0x200000 + ((y >>> 0) & 0x1fffff);
}

/** How the current input differs from the previous one, by key. */
export interface RowDiff {
  /** Header line of the current input (CSV), or null. */
  header: string | null;
  /** True when the CSV header changed: no delta is possible. */
  headerChanged: boolean;
  /** Keys of the current input in order. */
  order: string[];
  /** Keys of added and changed rows (their lines went to `onFed`). */
  fed: Set<string>;
  /** Keys of rows the current input no longer has. */
  deleted: Set<string>;
}

/**
 * Diffs two keyed tables walking both in step: rows whose bytes are equal at aligned
 * positions cost one comparison; where they differ (edits, insertions, deletions, moves)
 * the unmatched rows wait in two small maps until their counterpart shows up, and the
 * walk realigns by advancing only the side that is behind. Rows never matched are
 * added (current side) or deleted (previous side). The current header, then each fed
 * row as it is decided, go to `fedRows`.
 */
export function diffKeyedRows(
  previous: Iterable<Uint8Array>, current: Iterable<Uint8Array>, format: RowFormat, key: string, what: string,
  fedRows: (line: Uint8Array | string) => void,
): RowDiff {
  const O = byteLines(previous);
  const N = byteLines(current);
  const keysO = new RowKeys(format, key, `${what} (previous)`);
  const keysN = new RowKeys(format, key, what);
  let header: string | null = null;
  let headerChanged = false;
  if (format === 'csv') {
    const ho = O.next();
    const hn = N.next();
    if (!hn.done) fedRows(header = keysN.header(hn.value));
    if (!ho.done && !hn.done) headerChanged = !ho.value.equals(hn.value);
    if (!ho.done && !headerChanged) keysO.header(ho.value);
  }
  const order: string[] = [];
  const fed = new Set<string>();
  const oldPending = new Map<string, number>();
  const newPending = new Map<string, Buffer>();
  if (headerChanged) return { header, headerChanged, order, fed, deleted: new Set() };
  const feed = (k: string, line: Buffer) => {
    if (fed.has(k)) throw new InvalidInputError(`${what}: key '${k}' appears twice`, { hint: `a map stage needs a unique key column (${key})` });
    fed.add(k);
    fedRows(line);
  };
  const takeOld = (k: string, line: Buffer) => {
    const waiting = newPending.get(k);
    if (waiting === undefined) { oldPending.set(k, bytesFingerprint(line)); return; }
    newPending.delete(k);
    if (bytesFingerprint(waiting) !== bytesFingerprint(line)) feed(k, waiting);
  };
  const takeNew = (k: string, line: Buffer) => {
    const fp = oldPending.get(k);
    if (fp === undefined) {
      if (newPending.has(k)) throw new InvalidInputError(`${what}: key '${k}' appears twice`, { hint: `a map stage needs a unique key column (${key})` });
      newPending.set(k, Buffer.from(line)); // a copy: the view dies with the next read
      return;
    }
    oldPending.delete(k);
    if (fp !== bytesFingerprint(line)) feed(k, line);
  };
  let o = O.next();
  let n = N.next();
  while (!o.done && !n.done) {
    if (o.value.length === 0) { o = O.next(); continue; }
    if (n.value.length === 0) { n = N.next(); continue; }
    if (o.value.equals(n.value)) {
      order.push(keysN.of(n.value));
      o = O.next(); n = N.next();
      continue;
    }
    const ko = keysO.of(o.value);
    const kn = keysN.of(n.value);
    if (ko === kn) {
      order.push(kn);
      feed(kn, n.value);
      o = O.next(); n = N.next();
    } else if (newPending.has(ko)) {
      takeOld(ko, o.value); // the current side was ahead: advance the previous side only
      o = O.next();
    } else if (oldPending.has(kn)) {
      order.push(kn);
      takeNew(kn, n.value); // the previous side was ahead: advance the current side only
      n = N.next();
    } else {
      takeOld(ko, o.value);
      order.push(kn);
      takeNew(kn, n.value);
      o = O.next(); n = N.next();
    }
  }
  for (; !o.done; o = O.next()) if (o.value.length > 0) takeOld(keysO.of(o.value), o.value);
  for (; !n.done; n = N.next()) if (n.value.length > 0) { const k = keysN.of(n.value); order.push(k); takeNew(k, n.value); }
  for (const [k, line] of newPending) feed(k, line);
  return { header, headerChanged, order, fed, deleted: new Set(oldPending.keys()) };
}

/**
 * Writes the merged output: for each key of the current input in order, the delta
 * output's rows for fed keys, else the previous output's rows for the key. The previous
 * output is walked in step (a row-wise map writes rows in input order, and unchanged rows
 * keep their relative order); if it turns out not to be in step, its remaining rows are
 * read into a map by key and the merge goes on from there.
 */
export function mergeKeyedRows(
  previousOut: Iterable<Uint8Array>, deltaOut: Iterable<Uint8Array> | null, format: RowFormat, key: string, what: string,
  diff: RowDiff, write: (line: Uint8Array) => void,
): void {
  const keysP = new RowKeys(format, key, `${what} (previous)`);
  const keysD = new RowKeys(format, key, `${what} (delta output)`);
  const P = byteLines(previousOut);
  let header: Buffer | null = null;
  if (format === 'csv') {
    const h = P.next();
    if (!h.done) { keysP.header(h.value); header = Buffer.from(h.value); }
  }
  const delta = new Map<string, Buffer[]>();
  if (deltaOut) {
    const D = byteLines(deltaOut);
    if (format === 'csv') {
      const h = D.next();
      if (!h.done) { keysD.header(h.value); header = Buffer.from(h.value); }
    }
    for (let d = D.next(); !d.done; d = D.next()) {
      if (d.value.length === 0) continue;
      const k = keysD.of(d.value);
      const list = delta.get(k);
      if (list) list.push(Buffer.from(d.value)); else delta.set(k, [Buffer.from(d.value)]);
    }
  }
  if (header) write(header);
  const dropped = (k: string) => diff.fed.has(k) || diff.deleted.has(k);
  let p = P.next();
  let pKey: string | null = null;
  const advance = () => { p = P.next(); pKey = null; };
  const currentKey = () => (pKey ??= keysP.of(p.value as Buffer));
  let rest: Map<string, Buffer[]> | null = null;
  for (const k of diff.order) {
    if (diff.fed.has(k)) {
      for (const line of delta.get(k) ?? []) write(line);
      continue;
    }
    if (rest) {
      for (const line of rest.get(k) ?? []) write(line);
      continue;
    }
    // Skip rows of changed and deleted keys, then take this key's consecutive rows.
    while (!p.done && (p.value.length === 0 || dropped(currentKey()))) advance();
    if (!p.done && currentKey() === k) {
      while (!p.done && (p.value.length === 0 || currentKey() === k)) {
        if (p.value.length > 0) write(p.value);
        advance();
      }
      continue;
    }
    // Not in step (or this key has no rows): the rest of the previous output by key.
    rest = new Map();
    for (; !p.done; advance()) {
      if (p.value.length === 0) continue;
      const pk = currentKey();
      if (dropped(pk)) continue;
      const list = rest.get(pk);
      if (list) list.push(Buffer.from(p.value)); else rest.set(pk, [Buffer.from(p.value)]);
    }
    for (const line of rest.get(k) ?? []) write(line);
  }
}
