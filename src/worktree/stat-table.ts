import { oidToBytes, type Oid } from '../hash/index.js';
import { compareNames } from '../objects/index.js';
import type { Repository } from '../repo/index.js';
import type { RepoPath } from '../util/index.js';
import { derivedFileHead, putDerivedFile, readDerivedFile } from './derived-file.js';
import { INDEX_KIND_CODE, type IndexEntry, type StatTime } from './index-entry.js';

/**
 * The whole index in one flat value (spec/index.md, "Stat table"): reading 50,000 index
 * entries one by one costs more than the native status scan, and than building every
 * tree of a commit. It is derived data: it names the index version it was built from,
 * and is used only while that is still the index's version.
 */

const MAGIC = 'DVS2';
const HEADER = 16;
const KINDS = [undefined, 'file', 'exec', 'symlink'] as const;
/** After the path: kind u8, id (32 bytes), then size, mtime sec, mtime nsec, ctime sec, ctime nsec, ino, dev as f64. */
const ID_AT = 1;
const STAT_AT = ID_AT + 32;
const FIXED = STAT_AT + 7 * 8;

/** Encodes entries built from index version `version`, in path order (the index's own order). */
export function encodeStatTable(entries: Iterable<[RepoPath, IndexEntry]>, version: number): Buffer {
  const list = inPathOrder([...entries]);
  const out = Buffer.allocUnsafe(HEADER + roomFor(list));
  writeHeader(out, list.length, version);
  return out.subarray(0, writeEntries(out, HEADER, list));
}

/**
 * The table of index version `version` made from `table` (an earlier version's) by the
 * changes of one index write: entries at `remove` or `put` paths are dropped, those of
 * `put` added. Unchanged entries are copied as bytes, so an add of a few files to a large
 * index costs a pass over the table, not a decode of it.
 */
export function patchStatTable(table: Buffer, put: ReadonlyMap<RepoPath, IndexEntry>, remove: ReadonlySet<RepoPath>, version: number): Buffer | undefined {
  const newEntries = inPathOrder([...put]);
  const out = Buffer.allocUnsafe(table.length + roomFor(newEntries));
  let o = HEADER;
  let kept = 0;
  let next = 0;
  // Runs of kept entries are copied whole; new entries are merged in where their paths sort.
  let runStart = HEADER;
  const ok = walkEntries(table, (start, pathEnd, end) => {
    const p = table.toString('utf8', start + 2, pathEnd) as RepoPath;
    const dropped = put.has(p) || remove.has(p);
    const before = next;
    while (next < newEntries.length && compareNames(newEntries[next]![0], p) < 0) next++;
    if (dropped || next > before) {
      o += table.copy(out, o, runStart, start);
      o = writeEntries(out, o, newEntries.slice(before, next));
      runStart = dropped ? end : start;
    }
    if (!dropped) kept++;
    return true;
  });
  if (!ok) return undefined;
  o += table.copy(out, o, runStart, table.length);
  writeHeader(out, kept + newEntries.length, version);
  return out.subarray(0, writeEntries(out, o, newEntries.slice(next)));
}

/**
 * The part of a table whose paths lie under `under` (a directory or file path), same
 * version: the table itself when that is all of it; undefined when nothing is under it
 * or the table is malformed. The table is in path order, so the part is one run of bytes.
 */
export function statTableUnder(table: Buffer, under: RepoPath): Buffer | undefined {
  const prefix = Buffer.from(under + '/');
  const exact = prefix.length - 1;
  let first = -1;
  let last = -1;
  let kept = 0;
  let k = 0;
  let firstK = 0;
  let lastK = 0;
  const ok = walkEntries(table, (start, pathEnd, end) => {
    k++;
    const p = start + 2;
    const n = pathEnd - p;
    let inside = n >= exact;
    for (let j = 0; inside && j < exact; j++) inside = table[p + j] === prefix[j];
    if (inside && n > exact) inside = table[p + exact] === 0x2f;
    if (!inside) return true;
    if (first < 0) { first = start; firstK = k; }
    last = end;
    lastK = k;
    kept++;
    return true;
  });
  // Entries under it that are not one run (a file at `under` itself and `under-x` beside it): none of this.
  if (!ok || kept === 0 || lastK - firstK + 1 !== kept) return undefined;
  if (first === HEADER && last === table.length) return table;
  const out = Buffer.allocUnsafe(HEADER + last - first);
  writeHeader(out, kept, statTableVersion(table)!);
  table.copy(out, HEADER, first, last);
  return out;
}

/** Decodes a table into index entries, or undefined when it is malformed. */
export function decodeStatTable(table: Buffer): Map<RepoPath, IndexEntry> | undefined {
  const entries = new Map<RepoPath, IndexEntry>();
  const ok = walkEntries(table, (start, at) => {
    const kind = KINDS[table[at]!];
    if (!kind) return false;
    const s = at + STAT_AT;
    entries.set(table.toString('utf8', start + 2, at) as RepoPath, {
      id: table.toString('hex', at + ID_AT, s) as Oid,
      kind,
      size: table.readDoubleLE(s),
      mtime: [table.readDoubleLE(s + 8), table.readDoubleLE(s + 16)],
      ctime: [table.readDoubleLE(s + 24), table.readDoubleLE(s + 32)],
      ino: table.readDoubleLE(s + 40),
      dev: table.readDoubleLE(s + 48),
    });
    return true;
  });
  // A path twice: not a table this code wrote.
  return ok && entries.size === table.readUInt32LE(4) ? entries : undefined;
}

/**
 * Walks a table's entries in order: `visit(start, pathEnd, end)` for each (where it
 * starts, where its path ends and its fixed fields begin, where it ends), until one
 * returns false. False when the table is malformed (or a visit said so).
 */
function walkEntries(table: Buffer, visit: (start: number, pathEnd: number, end: number) => boolean): boolean {
  if (statTableVersion(table) === undefined) return false;
  const count = table.readUInt32LE(4);
  let i = HEADER;
  for (let k = 0; k < count; k++) {
    if (i + 2 > table.length) return false;
    const n = table.readUInt16LE(i);
    const end = i + 2 + n + FIXED;
    if (n === 0 || end > table.length || !visit(i, i + 2 + n, end)) return false;
    i = end;
  }
  return i === table.length;
}

/** The index version a table was built from, or undefined when it is not a table. */
export function statTableVersion(table: Uint8Array): number | undefined {
  if (table.length < HEADER || Buffer.from(table.buffer, table.byteOffset, 4).toString('latin1') !== MAGIC) return undefined;
  return Buffer.from(table.buffer, table.byteOffset, table.length).readDoubleLE(8);
}

/** The table's file in the `.dv` directory (derived-file.ts). */
export const STAT_TABLE_FILE = 'index-stat';

/**
 * The stored table when it was built from the index of version `version` written at
 * `stamp`, and its bytes hash right; else undefined.
 */
export function readStatTable(repo: Repository, version: number, stamp: StatTime): Buffer | undefined {
  const table = readDerivedFile(repo, STAT_TABLE_FILE, stamp);
  return table && statTableVersion(table) === version ? table : undefined;
}

/** Whether the stored table was built from that index (header and stamp only: no hash, no read of the whole file). */
export function hasStatTable(repo: Repository, version: number, stamp: StatTime): boolean {
  const head = derivedFileHead(repo, STAT_TABLE_FILE, stamp, HEADER);
  return head !== undefined && statTableVersion(head) === version;
}

/** Stores a table built from the index written at `stamp` (see putDerivedFile: only once that write has committed). */
export function putStatTable(repo: Repository, table: Buffer, stamp: StatTime): void {
  putDerivedFile(repo, STAT_TABLE_FILE, table, stamp);
}

/** The list sorted by path (byte order, as LMDB keeps the index), unless it already is. */
function inPathOrder(list: Array<[RepoPath, IndexEntry]>): Array<[RepoPath, IndexEntry]> {
  for (let i = 1; i < list.length; i++) {
    if (compareNames(list[i - 1]![0], list[i]![0]) > 0) return list.sort(([a], [b]) => compareNames(a, b));
  }
  return list;
}

/** Room for the longest UTF-8 each path can take; paths are written in place (no buffer per path). */
function roomFor(list: Array<[RepoPath, IndexEntry]>): number {
  let room = 0;
  for (const [p] of list) room += 2 + p.length * 3 + FIXED;
  return room;
}

function writeHeader(out: Buffer, count: number, version: number): void {
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(count, 4);
  out.writeDoubleLE(version, 8);
}

/** Writes entries from offset `o`; returns where they end. */
function writeEntries(out: Buffer, o: number, list: Array<[RepoPath, IndexEntry]>): number {
  for (const [p, e] of list) {
    const n = out.write(p, o + 2, 'utf8');
    if (n > 0xffff) throw new RangeError(`path too long for the stat table: ${p}`);
    out.writeUInt16LE(n, o);
    o += 2 + n;
    out[o] = INDEX_KIND_CODE[e.kind];
    oidToBytes(e.id).copy(out, o + ID_AT);
    const s = o + STAT_AT;
    out.writeDoubleLE(e.size, s);
    out.writeDoubleLE(e.mtime[0], s + 8);
    out.writeDoubleLE(e.mtime[1], s + 16);
    out.writeDoubleLE(e.ctime[0], s + 24);
    out.writeDoubleLE(e.ctime[1], s + 32);
    out.writeDoubleLE(e.ino, s + 40);
    out.writeDoubleLE(e.dev, s + 48);
    o += FIXED;
  }
  return o;
}
