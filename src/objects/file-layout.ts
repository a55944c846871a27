import type { Oid } from '../hash/index.js';
import type { ChunkRef, FileObject } from './types.js';

/**
 * Reads a file object in the exact msgpack layout encodeFileObject writes — a map of
 * `c` (chunk list: [id, size] or [id, size, fingerprint]), `s` (size) and `t` ("file"),
 * in that order — straight from the bytes, or returns undefined for anything else, which
 * the general decoder then accepts or refuses. It gives what the general decoder gives,
 * without an intermediate value per chunk: a 500 MB file lists over 7,000 chunks, and
 * every clone, push and checkout of it decodes that list, mostly in code not yet optimised.
 */
export function readFileLayout(bytes: Uint8Array): FileObject | undefined {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = buf.length;
  // fixmap of 3, then the key "c"
  if (end < 4 || buf[0] !== 0x83 || buf[1] !== 0xa1 || buf[2] !== 0x63) return undefined;
  let at = 3;
  let count: number;
  const head = buf[at]!;
  if (head >= 0x90 && head <= 0x9f) { count = head - 0x90; at += 1; }
  else if (head === 0xdc && at + 3 <= end) { count = buf.readUInt16BE(at + 1); at += 3; }
  else if (head === 0xdd && at + 5 <= end) { count = buf.readUInt32BE(at + 1); at += 5; }
  else return undefined;
  // Each chunk takes at least 36 bytes: a count the bytes cannot hold is malformed.
  if (count * 36 > end - at) return undefined;
  const chunks: ChunkRef[] = new Array(count);
  // One conversion to hex, sliced: thousands of small conversions cost more.
  const hex = buf.toString('hex');
  for (let i = 0; i < count; i++) {
    const fields = buf[at];
    // [bin8 of 32 bytes, uint (, bin8 of 8 bytes)]
    if ((fields !== 0x92 && fields !== 0x93) || buf[at + 1] !== 0xc4 || buf[at + 2] !== 32) return undefined;
    const id = hex.slice(2 * at + 6, 2 * at + 70) as Oid;
    at += 35;
    const size = readUint(buf, at, end);
    if (size === undefined) return undefined;
    at = size.next;
    if (fields === 0x92) { chunks[i] = { id, size: size.value }; continue; }
    if (at + 10 > end || buf[at] !== 0xc4 || buf[at + 1] !== 8) return undefined;
    chunks[i] = { id, size: size.value, fp: hex.slice(2 * at + 4, 2 * at + 20) };
    at += 10;
  }
  // "s": the size; "t": "file"; and nothing after.
  if (at + 2 > end || buf[at] !== 0xa1 || buf[at + 1] !== 0x73) return undefined;
  const size = readUint(buf, at + 2, end);
  if (size === undefined) return undefined;
  at = size.next;
  if (at + 7 !== end || buf[at] !== 0xa1 || buf[at + 1] !== 0x74 || buf[at + 2] !== 0xa4 || buf.toString('latin1', at + 3, end) !== 'file') return undefined;
  return { size: size.value, chunks };
}

/** A msgpack integer at `at` that is a safe, non-negative JavaScript integer, and where the next value starts. */
function readUint(buf: Buffer, at: number, end: number): { value: number; next: number } | undefined {
  const b = buf[at];
  if (b === undefined) return undefined;
  if (b < 0x80) return { value: b, next: at + 1 };
  if (b === 0xcc && at + 2 <= end) return { value: buf[at + 1]!, next: at + 2 };
  if (b === 0xcd && at + 3 <= end) return { value: buf.readUInt16BE(at + 1), next: at + 3 };
  if (b === 0xce && at + 5 <= end) return { value: buf.readUInt32BE(at + 1), next: at + 5 };
  // uint64, or int64 as the encoder writes sizes of 2^32 and more; negative ones are declined.
  if ((b === 0xcf || b === 0xd3) && at + 9 <= end) {
    const high = buf.readUInt32BE(at + 1);
    const value = high * 2 ** 32 + buf.readUInt32BE(at + 5);
    return Number.isSafeInteger(value) ? { value, next: at + 9 } : undefined;
  }
  return undefined;
}
