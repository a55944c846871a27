import { compress, decompress } from 'zstd-napi';
import { CorruptObjectError } from '../errors/index.js';
import { KIND_BY_CODE, KIND_CODES, type ObjectKind } from '../objects/index.js';
import type { PackLocation } from './pack-store.js';

/**
 * A stored object is [kind code u8][encoding u8][payload]. Encoding 0 = raw bytes,
 * 1 = a zstd frame of the bytes. The id is always over the uncompressed bytes.
 *
 * In the LMDB objects database the value is either that record inline, or a locator
 * [kind][encoding | PACKED][pack u32][offset u64][length u32] (big-endian) pointing at
 * the payload inside a pack file.
 */
export const ENCODING_RAW = 0;
export const ENCODING_ZSTD = 1;
export const PACKED = 0x80;
const LOCATOR_LENGTH = 2 + 4 + 8 + 4;

/** Compressed payloads must save at least this share to be kept compressed. */
const MIN_SAVING = 0.1;
const ZSTD_LEVEL = 1;

/** An encoded payload, before it is placed inline or in a pack. */
export interface EncodedPayload { kind: ObjectKind; encoding: number; payload: Uint8Array }

/** Encodes bytes of a kind, compressing when it pays. */
export function encodePayload(kind: ObjectKind, bytes: Uint8Array, tryCompress: boolean): EncodedPayload {
  if (tryCompress && bytes.length >= 256) {
    const z = compress(bytes, { compressionLevel: ZSTD_LEVEL });
    if (z.length <= bytes.length * (1 - MIN_SAVING)) return { kind, encoding: ENCODING_ZSTD, payload: z };
  }
  return { kind, encoding: ENCODING_RAW, payload: bytes };
}

/** The inline record for a payload. */
export function inlineRecord(p: EncodedPayload): Buffer {
  const out = Buffer.allocUnsafe(p.payload.length + 2);
  out[0] = KIND_CODES[p.kind];
  out[1] = p.encoding;
  out.set(p.payload, 2);
  return out;
}

/** The locator record for a packed payload. */
export function locatorRecord(p: Omit<EncodedPayload, 'payload'>, loc: PackLocation): Buffer {
  const out = Buffer.allocUnsafe(LOCATOR_LENGTH);
  out[0] = KIND_CODES[p.kind];
  out[1] = p.encoding | PACKED;
  out.writeUInt32BE(loc.pack, 2);
  out.writeBigUInt64BE(BigInt(loc.offset), 6);
  out.writeUInt32BE(loc.length, 14);
  return out;
}

/** The pack location of a locator record, or undefined for an inline record. */
export function recordLocation(record: Uint8Array, id: string): PackLocation | undefined {
  if ((record[1]! & PACKED) === 0) return undefined;
  if (record.length !== LOCATOR_LENGTH) throw new CorruptObjectError(`object ${id} has a malformed pack locator`, { data: { id } });
  const b = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  return { pack: b.readUInt32BE(2), offset: Number(b.readBigUInt64BE(6)), length: b.readUInt32BE(14) };
}

/** The kind of a record, without decoding it. */
export function recordKind(record: Uint8Array, id: string): ObjectKind {
  const kind = record.length >= 2 ? KIND_BY_CODE.get(record[0]!) : undefined;
  if (!kind) throw new CorruptObjectError(`object ${id} has an unknown kind`, { data: { id } });
  return kind;
}

/** Decodes a payload into uncompressed bytes (not yet verified against the id). */
export function decodePayload(encoding: number, payload: Uint8Array, id: string): Uint8Array {
  switch (encoding & ~PACKED) {
    case ENCODING_RAW: return payload;
    case ENCODING_ZSTD:
      try {
        return decompress(payload);
      } catch (err) {
        throw new CorruptObjectError(`object ${id} does not decompress`, { data: { id }, cause: err });
      }
    default:
      throw new CorruptObjectError(`object ${id} has an unknown encoding ${encoding}`, { data: { id } });
  }
}
