import { RemoteError } from '../../errors/index.js';
import { oidFromBytes, oidToBytes, type Oid } from '../../hash/index.js';
import { KIND_BY_CODE } from '../../objects/index.js';
import type { CommitHistory } from '../commit-history.js';
import type { WireObject } from '../transport.js';
import { decodeHistory, encodeHistory } from '../wire-format.js';

/**
 * Packs in a bucket (spec/s3-remote.md): a pack is the concatenation of object records
 * `[kind u8][encoding u8][payload]`; its index lists `[id 32][offset u64][length u32]`
 * per record after a 20-byte header `"DVPI" [version u8] [0 0 0] [count u32]
 * [pack length u64]` (big-endian), entries sorted by id. Version 2 follows the entries
 * with the pack's commits and their parents (the history answer's layout), so a fetch
 * learns the whole history from the indexes it loads anyway; version 1 has no such part.
 */
const MAGIC = Buffer.from('DVPI');
const VERSION = 2;
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
export function encodePackIndex(entries: Array<{ id: Oid; offset: number; length: number }>, packLength: number, commits: CommitHistory = new Map()): Buffer {
  const sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const history = encodeHistory(commits);
  const out = Buffer.alloc(HEADER + sorted.length * ENTRY + history.length);
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
  history.copy(out, HEADER + sorted.length * ENTRY);
  return out;
}

/**
 * Reads a pack index into `into`, and the commits it lists with their parents into
 * `history`; a malformed index is a RemoteError naming the pack.
 */
export function decodePackIndex(pack: string, bytes: Uint8Array, into: Map<Oid, PackEntry>, history?: CommitHistory): number {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string): RemoteError => new RemoteError(`pack index ${pack} in the bucket is malformed: ${why}`, { data: { pack } });
  if (b.length < HEADER || !b.subarray(0, 4).equals(MAGIC)) throw bad('bad header');
  const version = b[4]!;
  if (version > VERSION) throw new RemoteError(`pack index ${pack} in the bucket has version ${version}, newer than this dv reads (${VERSION})`, { data: { pack }, hint: 'upgrade dv' });
  if (version < 1) throw bad(`unknown version ${version}`);
  const count = b.readUInt32BE(8);
  const packLength = Number(b.readBigUInt64BE(12));
  const end = HEADER + count * ENTRY;
  if (version === 1 ? b.length !== end : b.length < end) throw bad('wrong length');
  // Everything is checked before anything is taken in: a malformed index adds nothing.
  const entries = new Map<Oid, PackEntry>();
  for (let i = 0; i < count; i++) {
    const at = HEADER + i * ENTRY;
    const id = oidFromBytes(b.subarray(at, at + 32));
    const offset = Number(b.readBigUInt64BE(at + 32));
    const length = b.readUInt32BE(at + 40);
    if (length < 2 || offset + length > packLength) throw bad(`entry ${id} lies outside the pack`);
    entries.set(id, { pack, offset, length });
  }
  let commits: CommitHistory = new Map();
  if (version > 1) {
    try { commits = decodeHistory(b.subarray(end)); } catch { throw bad('its commit list is cut off'); }
    for (const id of commits.keys()) if (!entries.has(id)) throw bad(`it lists commit ${id}, which the pack does not hold`);
  }
  for (const [id, e] of entries) if (!into.has(id)) into.set(id, e);
  for (const [id, parents] of commits) history?.set(id, parents);
  return count;
}
