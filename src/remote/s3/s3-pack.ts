import { RemoteError } from '../../errors/index.js';
import { oidFromBytes, oidToBytes, type Oid } from '../../hash/index.js';
import { KIND_BY_CODE } from '../../objects/index.js';
import type { WireObject } from '../transport.js';

/**
 * Packs in a bucket (spec/s3-remote.md): a pack is the concatenation of object records
 * `[kind u8][encoding u8][payload]`; its index lists `[id 32][offset u64][length u32]`
 * per record after a 20-byte header `"DVPI" [version u8 = 1] [0 0 0] [count u32]
 * [pack length u64]` (big-endian), entries sorted by id.
 */
const MAGIC = Buffer.from('DVPI');
const VERSION = 1;
const HEADER = 20;
const ENTRY = 32 + 8 + 4;

/** Where one object's record sits. */
export interface PackEntry { pack: string; offset: number; length: number }

/** The object a record holds (its bytes are verified by whoever uses it). */
export function decodeRecord(id: Oid, record: Uint8Array): WireObject {
  const kind = record.length >= 2 ? KIND_BY_CODE.get(record[0]!) : undefined;
  if (!kind) throw new RemoteError(`object ${id} in the bucket has an unknown kind`, { data: { id } });
  return { id, kind, encoding: record[1]!, payload: record.subarray(2) };
}

/** Builds a pack index. */
export function encodePackIndex(entries: Array<{ id: Oid; offset: number; length: number }>, packLength: number): Buffer {
  const sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out = Buffer.alloc(HEADER + sorted.length * ENTRY);
  MAGIC.copy(out, 0);
  out[4] = VERSION;
  out.writeUInt32BE(sorted.length, 8);
  out.writeBigUInt64BE(BigInt(packLength), 12);
  sorted.forEach((e, i) => {
    const at = HEADER + i * ENTRY;
    oidToBytes(e.id).copy(out, at);
    out.writeBigUInt64BE(BigInt(e.offset), at + 32);
    out.writeUInt32BE(e.length, at + 40);
  });
  return out;
}

/** Reads a pack index into `into`; a malformed index is a RemoteError naming the pack. */
export function decodePackIndex(pack: string, bytes: Uint8Array, into: Map<Oid, PackEntry>): number {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string): RemoteError => new RemoteError(`pack index ${pack} in the bucket is malformed: ${why}`, { data: { pack } });
  if (b.length < HEADER || !b.subarray(0, 4).equals(MAGIC)) throw bad('bad header');
  if (b[4] !== VERSION) throw bad(`unknown version ${b[4]}`);
  const count = b.readUInt32BE(8);
  const packLength = Number(b.readBigUInt64BE(12));
  if (b.length !== HEADER + count * ENTRY) throw bad('wrong length');
  for (let i = 0; i < count; i++) {
    const at = HEADER + i * ENTRY;
    const id = oidFromBytes(b.subarray(at, at + 32));
    const offset = Number(b.readBigUInt64BE(at + 32));
    const length = b.readUInt32BE(at + 40);
    if (length < 2 || offset + length > packLength) throw bad(`entry ${id} lies outside the pack`);
    if (!into.has(id)) into.set(id, { pack, offset, length });
  }
  return count;
}
