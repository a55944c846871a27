import type { Repository } from '../repo/index.js';
import type { RepoPath } from '../util/index.js';
import { INDEX_KIND_CODE, type IndexEntry } from './index-entry.js';

/**
 * The index's stat data in one flat value (spec/index.md, "Stat table"), for the native
 * status scan: reading 50,000 index entries one by one costs more than the whole scan.
 * It is derived data: it names the index version it was built from, and is used only
 * while that is still the index's version.
 */

const MAGIC = 'DVST';
const HEADER = 16;
/** After the path: kind u8, then size, mtime sec, mtime nsec, ctime sec, ctime nsec, ino, dev as f64. */
const FIXED = 1 + 7 * 8;
const TABLE_KEY = 'table';

/** Encodes entries (path order does not matter) built from index version `version`. */
export function encodeStatTable(entries: Iterable<[RepoPath, IndexEntry]>, version: number): Buffer {
  const list = [...entries];
  // Room for the longest UTF-8 each path can take; paths are written in place (no buffer per path).
  let room = HEADER;
  for (const [p] of list) room += 2 + p.length * 3 + FIXED;
  const out = Buffer.allocUnsafe(room);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(list.length, 4);
  out.writeDoubleLE(version, 8);
  let o = HEADER;
  for (const [p, e] of list) {
    const n = out.write(p, o + 2, 'utf8');
    if (n > 0xffff) throw new RangeError(`path too long for the stat table: ${p}`);
    out.writeUInt16LE(n, o);
    o += 2 + n;
    out[o] = INDEX_KIND_CODE[e.kind];
    out.writeDoubleLE(e.size, o + 1);
    out.writeDoubleLE(e.mtime[0], o + 9);
    out.writeDoubleLE(e.mtime[1], o + 17);
    out.writeDoubleLE(e.ctime[0], o + 25);
    out.writeDoubleLE(e.ctime[1], o + 33);
    out.writeDoubleLE(e.ino, o + 41);
    out.writeDoubleLE(e.dev, o + 49);
    o += FIXED;
  }
  return out.subarray(0, o);
}

/** The index version a table was built from, or undefined when it is not a table. */
export function statTableVersion(table: Uint8Array): number | undefined {
  if (table.length < HEADER || Buffer.from(table.buffer, table.byteOffset, 4).toString('latin1') !== MAGIC) return undefined;
  return Buffer.from(table.buffer, table.byteOffset, table.length).readDoubleLE(8);
}

/** The stored table when it was built from index version `version`. */
export function readStatTable(repo: Repository, version: number): Buffer | undefined {
  const table = repo.env.indexStat.get(TABLE_KEY);
  return table && statTableVersion(table) === version ? table : undefined;
}

/** Whether the stored table was built from index version `version` (read in place, not kept). */
export function hasStatTable(repo: Repository, version: number): boolean {
  const table = repo.env.indexStat.getBinaryFast(TABLE_KEY);
  return table !== undefined && statTableVersion(table) === version;
}

/** Stores a table inside the current write transaction. */
export function putStatTable(repo: Repository, table: Buffer): void {
  repo.env.indexStat.putSync(TABLE_KEY, table);
}
