import { compress, decompress } from 'zstd-napi';
import { CorruptObjectError } from '../errors/index.js';
import { KIND_BY_CODE, KIND_CODES, type ObjectKind } from '../objects/index.js';

/**
 * A stored record: [kind code u8][encoding u8][payload]. Encoding 0 = raw bytes,
 * 1 = zstd frame of the bytes. The id is always over the uncompressed bytes.
 */
export const ENCODING_RAW = 0;
export const ENCODING_ZSTD = 1;

/** Compressed payloads must save at least this share to be kept compressed. */
const MIN_SAVING = 0.1;
const ZSTD_LEVEL = 1;

/** Encodes bytes of a kind into a record, compressing when it pays. */
export function encodeRecord(kind: ObjectKind, bytes: Uint8Array, tryCompress: boolean): Buffer {
  if (tryCompress && bytes.length >= 256) {
    const z = compress(bytes, { compressionLevel: ZSTD_LEVEL });
    if (z.length <= bytes.length * (1 - MIN_SAVING)) return withHeader(kind, ENCODING_ZSTD, z);
  }
  return withHeader(kind, ENCODING_RAW, bytes);
}

function withHeader(kind: ObjectKind, encoding: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(payload.length + 2);
  out[0] = KIND_CODES[kind];
  out[1] = encoding;
  out.set(payload, 2);
  return out;
}

/** The kind code of a record, without decoding it. */
export function recordKind(record: Uint8Array, id: string): ObjectKind {
  const kind = record.length >= 2 ? KIND_BY_CODE.get(record[0]!) : undefined;
  if (!kind) throw new CorruptObjectError(`object ${id} has an unknown kind`, { data: { id } });
  return kind;
}

/** Decodes a record into its kind and uncompressed bytes (not yet verified). */
export function decodeRecord(record: Uint8Array, id: string): { kind: ObjectKind; bytes: Uint8Array } {
  const kind = recordKind(record, id);
  const payload = record.subarray(2);
  switch (record[1]) {
    case ENCODING_RAW: return { kind, bytes: payload };
    case ENCODING_ZSTD:
      try {
        return { kind, bytes: decompress(payload) };
      } catch (err) {
        throw new CorruptObjectError(`object ${id} does not decompress`, { data: { id }, cause: err });
      }
    default:
      throw new CorruptObjectError(`object ${id} has an unknown encoding ${record[1]}`, { data: { id } });
  }
}
