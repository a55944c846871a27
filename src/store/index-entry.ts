import { CorruptObjectError } from '../errors/index.js';
import { oidToBytes, type Oid } from '../hash/index.js';

/** Seconds and nanoseconds, as `stat` gives them (a single number would lose nanoseconds). */
export type StatTime = [sec: number, nsec: number];

/**
 * One staged path in the index (LMDB `index` database, key = repository path). The stat
 * fields let status skip re-reading unchanged files; see spec/index.md for the racy rule.
 */
export interface IndexEntry {
  id: Oid;
  kind: 'file' | 'exec' | 'symlink';
  size: number;
  mtime: StatTime;
  ctime: StatTime;
  ino: number;
  dev: number;
}

/**
 * Binary layout of an index entry value (81 bytes, big-endian): kind u8 (1 file,
 * 2 exec, 3 symlink), id (32 bytes), size f64, mtime sec f64, mtime nsec u32, ctime sec
 * f64, ctime nsec u32, ino f64, dev f64. Fixed-width fields decode far faster than
 * msgpack maps, which matters when status reads 50,000 of them.
 */
export const INDEX_ENTRY_LENGTH = 81;
/** An entry's kind as one byte (also in the index's stat table). */
export const INDEX_KIND_CODE = { file: 1, exec: 2, symlink: 3 } as const;
const KIND_OF = [undefined, 'file', 'exec', 'symlink'] as const;

/** Encodes an index entry. */
export function encodeIndexEntry(e: IndexEntry): Buffer {
  const b = Buffer.allocUnsafe(INDEX_ENTRY_LENGTH);
  b[0] = INDEX_KIND_CODE[e.kind];
  oidToBytes(e.id).copy(b, 1);
  b.writeDoubleBE(e.size, 33);
  b.writeDoubleBE(e.mtime[0], 41);
  b.writeUInt32BE(e.mtime[1], 49);
  b.writeDoubleBE(e.ctime[0], 53);
  b.writeUInt32BE(e.ctime[1], 61);
  b.writeDoubleBE(e.ino, 65);
  b.writeDoubleBE(e.dev, 73);
  return b;
}

/** Decodes an index entry value; throws CorruptObjectError naming the path when malformed. */
export function decodeIndexEntry(value: Uint8Array, path: string): IndexEntry {
  const kind = value.length === INDEX_ENTRY_LENGTH ? KIND_OF[value[0]!] : undefined;
  if (!kind) throw new CorruptObjectError(`the index entry for ${path} is malformed`, { data: { path }, hint: 'run `dv checkout --force HEAD` to rebuild the index' });
  // LMDB hands out Buffers; wrap only what is not one. No subarray per field: status decodes 50,000 of these.
  const b = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return {
    id: b.toString('hex', 1, 33) as Oid,
    kind,
    size: b.readDoubleBE(33),
    mtime: [b.readDoubleBE(41), b.readUInt32BE(49)],
    ctime: [b.readDoubleBE(53), b.readUInt32BE(61)],
    ino: b.readDoubleBE(65),
    dev: b.readDoubleBE(73),
  };
}
