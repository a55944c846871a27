import { createRequire } from 'node:module';
import type * as Zstd from 'zstd-napi';
import type * as ZstdBinding from 'zstd-napi/binding.js';
import { CorruptObjectError } from '../errors/index.js';
import { nativeAddon } from '../native/index.js';
import { KIND_BY_CODE, KIND_CODES, type ObjectKind } from '../objects/index.js';
import type { PackLocation } from './pack-store.js';

/**
 * A stored object is [kind code u8][encoding u8][payload]. Encoding 0 = raw bytes,
 * 1 = a zstd frame of the bytes. The id is always over the uncompressed bytes.
 *
 * In the LMDB objects database the value is either that record inline, or a locator
 * [kind][encoding | PACKED][pack u32][offset u64][length u32] (big-endian) pointing at
 * the payload inside a pack file. A delta's locator is followed by a copy of the delta
 * header (depth and base id), so gc and fsck see the base without reading the pack.
 */
export const ENCODING_RAW = 0;
export const ENCODING_ZSTD = 1;
/**
 * A delta: [depth u8][base id, 32 bytes][zstd frame compressed with the base blob's bytes
 * as a raw-content dictionary]. `depth` is 1 + the base's depth (a plain base has depth 0).
 */
export const ENCODING_DELTA = 2;
/** Longest delta chain: reading an object decodes at most this many bases. */
export const MAX_DELTA_DEPTH = 8;
const DELTA_HEADER = 1 + 32;
const ZSTD_DICT_MAGIC = 0xec30a437;
export const PACKED = 0x80;
const LOCATOR_LENGTH = 2 + 4 + 8 + 4;

// Loaded on first use: commands that only read refs or stat files never pay for it.
const require = createRequire(import.meta.url);
let zstdModule: typeof Zstd | undefined;
function zstd(): typeof Zstd {
  zstdModule ??= require('zstd-napi') as typeof Zstd;
  return zstdModule;
}
let zstdBindingModule: typeof ZstdBinding | undefined;
/** zstd-napi's low-level functions (contexts that write into a caller's buffer). */
function zstdBinding(): typeof ZstdBinding {
  zstdBindingModule ??= require('zstd-napi/binding.js') as typeof ZstdBinding;
  return zstdBindingModule;
}

/** Compressed payloads must save at least this share to be kept compressed. */
const MIN_SAVING = 0.1;
const ZSTD_LEVEL = 1;

/** An encoded payload, before it is placed inline or in a pack. */
export interface EncodedPayload { kind: ObjectKind; encoding: number; payload: Uint8Array }

// One reused compressor: creating a context per call costs about a fifth of the speed.
let plainCompressor: Zstd.Compressor | undefined;

/** Encodes bytes of a kind, compressing when it pays. */
export function encodePayload(kind: ObjectKind, bytes: Uint8Array, tryCompress: boolean): EncodedPayload {
  if (tryCompress && bytes.length >= 256) {
    if (!plainCompressor) {
      plainCompressor = new (zstd().Compressor)();
      plainCompressor.setParameters({ compressionLevel: ZSTD_LEVEL });
    }
    const z = plainCompressor.compress(bytes);
    if (z.length <= bytes.length * (1 - MIN_SAVING)) return { kind, encoding: ENCODING_ZSTD, payload: z };
  }
  return { kind, encoding: ENCODING_RAW, payload: bytes };
}

/**
 * Deltas are compressed at ZSTD_LEVEL with a hash table and window that keep matches
 * across the whole base chunk, by the native addon (native/delta_compress.c), whose
 * frame references the base for that frame only: 63 us for a 75 KB chunk of the scattered
 * 1% correction where zstd-napi's loadDictionary before each compress took 390 us. Without
 * the addon, zstd-napi's ZSTD_compress_usingDict (68 us) with the level's own table sizes:
 * its deltas of that correction were 27% larger.
 */
const DELTA_HASH_LOG = 16;
/** The window reaches back over the whole base: 512 KiB covers the largest chunks (256 KiB) and their bases. */
const DELTA_WINDOW_LOG = 19;
const MAX_WINDOW_LOG = 27; // the most every zstd decoder accepts by default
let deltaContext: ZstdBinding.CCtx | undefined;
/** Where delta frames are compressed into (grown as needed; each is copied out after its header). */
let deltaScratch = Buffer.alloc(0);

/** A delta frame of `bytes` against `base`, in deltaScratch[0, returned length). */
function compressDelta(bytes: Uint8Array, base: Uint8Array): number {
  const binding = zstdBinding();
  const bound = binding.compressBound(bytes.length);
  if (deltaScratch.length < bound) deltaScratch = Buffer.allocUnsafe(bound);
  const native = nativeAddon();
  if (native) {
    const windowLog = Math.min(MAX_WINDOW_LOG, Math.max(DELTA_WINDOW_LOG, Math.ceil(Math.log2(base.length + bytes.length))));
    return native.deltaCompress(bytes, base, ZSTD_LEVEL, DELTA_HASH_LOG, windowLog, deltaScratch);
  }
  // ZSTD_compress_usingDict sizes its window to base and chunk by itself.
  deltaContext ??= new binding.CCtx();
  return deltaContext.compressUsingDict(deltaScratch, bytes, base, ZSTD_LEVEL);
}

let deltaDecompressor: Zstd.Decompressor | undefined;

/**
 * Encodes `bytes` as a delta against `base` (raw bytes of the base blob). Returns
 * undefined when the delta would not be worth it (over a quarter of the plain bytes).
 */
export function encodeDelta(bytes: Uint8Array, base: Uint8Array, baseId: Uint8Array, baseDepth: number): EncodedPayload | undefined {
  if (baseDepth + 1 > MAX_DELTA_DEPTH) return undefined;
  // zstd parses bytes that start with its dictionary magic as a formatted dictionary, not raw content.
  if (base.length >= 4 && Buffer.from(base.buffer, base.byteOffset, 4).readUInt32LE(0) === ZSTD_DICT_MAGIC) return undefined;
  const n = compressDelta(bytes, base);
  if (n < 0 || n > bytes.length / 4) return undefined;
  const payload = Buffer.allocUnsafe(DELTA_HEADER + n);
  payload[0] = baseDepth + 1;
  payload.set(baseId, 1);
  deltaScratch.copy(payload, DELTA_HEADER, 0, n);
  return { kind: 'blob', encoding: ENCODING_DELTA, payload };
}

/** A stored blob offered as the base of a delta. */
export interface DeltaBase {
  /** Raw 32-byte id. */
  id: Uint8Array;
  bytes: Uint8Array;
  depth: number;
}

/**
 * Encodes a blob chunk: a delta against the best of `bases` (similar chunks, usually the
 * one it replaces in the file's previous version) when that is much smaller, else plain
 * compression when it pays. Pure, so encode workers run the very same code.
 */
export function encodeBlob(bytes: Uint8Array, bases: readonly DeltaBase[]): EncodedPayload {
  let best: EncodedPayload | undefined;
  for (const base of bases) {
    const delta = encodeDelta(bytes, base.bytes, base.id, base.depth);
    if (delta && (!best || delta.payload.length < best.payload.length)) best = delta;
  }
  return best ?? encodePayload('blob', bytes, true);
}

/** The base id (32 bytes) and depth of a delta payload. */
export function deltaBase(payload: Uint8Array, id: string): { base: Uint8Array; depth: number } {
  if (payload.length < DELTA_HEADER || payload[0]! < 1 || payload[0]! > MAX_DELTA_DEPTH) {
    throw new CorruptObjectError(`object ${id} has a malformed delta header`, { data: { id } });
  }
  return { base: payload.subarray(1, DELTA_HEADER), depth: payload[0]! };
}

let plainDecompressor: Zstd.Decompressor | undefined;
/** The low-level context behind decodePayloadInto (decompresses into a caller's buffer). */
let intoContext: ZstdBinding.DCtx | undefined;

/** Applies a delta payload to its base's bytes. */
export function applyDelta(payload: Uint8Array, base: Uint8Array, id: string): Uint8Array {
  deltaDecompressor ??= new (zstd().Decompressor)();
  try {
    deltaDecompressor.loadDictionary(base);
    return deltaDecompressor.decompress(payload.subarray(DELTA_HEADER));
  } catch (err) {
    throw new CorruptObjectError(`object ${id} does not decode against its delta base`, { data: { id }, cause: err });
  }
}

/** The delta depth of a stored payload (0 for plain encodings). */
export function payloadDepth(p: EncodedPayload): number {
  return (p.encoding & ~PACKED) === ENCODING_DELTA ? p.payload[0]! : 0;
}

/** The inline record for a payload. */
export function inlineRecord(p: EncodedPayload): Buffer {
  return Buffer.concat([inlineRecordHead(p), p.payload], p.payload.length + 2);
}

/** The two bytes an inline record puts before the payload (for writers that join records themselves). */
export function inlineRecordHead(p: Pick<EncodedPayload, 'kind' | 'encoding'>): Buffer {
  return Buffer.from([KIND_CODES[p.kind], p.encoding]);
}

/** The locator record for a packed payload. */
export function locatorRecord(p: EncodedPayload, loc: PackLocation): Buffer {
  const isDelta = (p.encoding & ~PACKED) === ENCODING_DELTA;
  return writeLocator(KIND_CODES[p.kind], p.encoding, loc, isDelta ? p.payload.subarray(0, DELTA_HEADER) : undefined);
}

/** The same record pointing at a new location (pack compaction). */
export function relocateRecord(old: Uint8Array, loc: PackLocation): Buffer {
  const suffix = old.length > LOCATOR_LENGTH ? old.subarray(LOCATOR_LENGTH) : undefined;
  return writeLocator(old[0]!, old[1]! & ~PACKED, loc, suffix);
}

function writeLocator(kindCode: number, encoding: number, loc: PackLocation, suffix: Uint8Array | undefined): Buffer {
  const out = Buffer.allocUnsafe(LOCATOR_LENGTH + (suffix?.length ?? 0));
  out[0] = kindCode;
  out[1] = encoding | PACKED;
  out.writeUInt32BE(loc.pack, 2);
  out.writeBigUInt64BE(BigInt(loc.offset), 6);
  out.writeUInt32BE(loc.length, 14);
  if (suffix) out.set(suffix, LOCATOR_LENGTH);
  return out;
}

/** The id (32 raw bytes) of a delta record's base, or undefined when the record is not a delta. */
export function recordDeltaBase(record: Uint8Array, id: string): Uint8Array | undefined {
  if (record.length < 2 || (record[1]! & ~PACKED) !== ENCODING_DELTA) return undefined;
  const header = (record[1]! & PACKED) !== 0 ? record.subarray(LOCATOR_LENGTH) : record.subarray(2);
  return deltaBase(header, id).base;
}

/** The pack location of a locator record, or undefined for an inline record. */
export function recordLocation(record: Uint8Array, id: string): PackLocation | undefined {
  if ((record[1]! & PACKED) === 0) return undefined;
  const isDelta = (record[1]! & ~PACKED) === ENCODING_DELTA;
  if (record.length !== LOCATOR_LENGTH + (isDelta ? DELTA_HEADER : 0)) {
    throw new CorruptObjectError(`object ${id} has a malformed pack locator`, { data: { id } });
  }
  const b = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  return { pack: b.readUInt32BE(2), offset: Number(b.readBigUInt64BE(6)), length: b.readUInt32BE(14) };
}

/** The kind of a record, without decoding it. */
export function recordKind(record: Uint8Array, id: string): ObjectKind {
  const kind = record.length >= 2 ? KIND_BY_CODE.get(record[0]!) : undefined;
  if (!kind) throw new CorruptObjectError(`object ${id} has an unknown kind`, { data: { id } });
  return kind;
}

/**
 * Decodes a payload into `target` and returns its length: a compressed payload is
 * decompressed in place, with no buffer of its own (a restore streams 512 MB of chunks
 * through a ring this way); others are decoded as decodePayload does and copied. Content
 * that does not fit is corrupt (the caller sizes `target` to what the object must hold).
 */
export function decodePayloadInto(encoding: number, payload: Uint8Array, id: string, target: Uint8Array, loadBase?: (baseId: Uint8Array) => Uint8Array): number {
  const plain = encoding & ~PACKED;
  if (plain !== ENCODING_ZSTD && plain !== ENCODING_DELTA) {
    const bytes = decodePayload(encoding, payload, id, loadBase);
    if (bytes.length > target.length) throw new CorruptObjectError(`object ${id} has the wrong size`, { data: { id } });
    target.set(bytes);
    return bytes.length;
  }
  const base = plain === ENCODING_DELTA ? deltaBaseBytes(payload, id, loadBase) : undefined;
  try {
    intoContext ??= new (zstdBinding()).DCtx();
    return base ? intoContext.decompressUsingDict(target, payload.subarray(DELTA_HEADER), base) : intoContext.decompress(target, payload);
  } catch (err) {
    intoContext = undefined; // as in decodePayload: a failed frame may leave state behind
    const what = base ? 'decode against its delta base' : 'decompress';
    throw new CorruptObjectError(`object ${id} does not ${what} into ${target.length} bytes`, { data: { id }, cause: err });
  }
}

/** A delta payload's base bytes, from `loadBase`. */
function deltaBaseBytes(payload: Uint8Array, id: string, loadBase: ((baseId: Uint8Array) => Uint8Array) | undefined): Uint8Array {
  const { base } = deltaBase(payload, id);
  if (!loadBase) throw new CorruptObjectError(`object ${id} is a delta but no base can be read here`, { data: { id } });
  return loadBase(base);
}

/**
 * The size a compressed or delta payload says it decodes to, or undefined when it does
 * not say (or is raw: its size is its own). Only a hint for sizing a buffer: decoding checks it.
 */
export function statedContentSize(encoding: number, payload: Uint8Array): number | undefined {
  const plain = encoding & ~PACKED;
  if (plain !== ENCODING_ZSTD && plain !== ENCODING_DELTA) return undefined;
  const frame = plain === ENCODING_DELTA ? payload.subarray(DELTA_HEADER) : payload;
  try {
    return zstdBinding().getFrameContentSize(frame) ?? undefined;
  } catch {
    return undefined; // not a frame: decoding says so
  }
}

/**
 * Decodes a payload into uncompressed bytes (not yet verified against the id).
 * `loadBase` returns the verified bytes of a delta's base.
 */
export function decodePayload(encoding: number, payload: Uint8Array, id: string, loadBase?: (baseId: Uint8Array) => Uint8Array): Uint8Array {
  switch (encoding & ~PACKED) {
    case ENCODING_DELTA: return applyDelta(payload, deltaBaseBytes(payload, id, loadBase), id);
    case ENCODING_RAW: return payload;
    case ENCODING_ZSTD:
      try {
        // One context per thread, kept: the package's one-shot resets its parameters on
        // every call, which made decompressing 64 KiB chunks ~40% slower.
        plainDecompressor ??= new (zstd().Decompressor)();
        return plainDecompressor.decompress(payload);
      } catch (err) {
        // A frame that failed half-way may leave state behind: the next one gets a fresh context.
        plainDecompressor = undefined;
        throw new CorruptObjectError(`object ${id} does not decompress`, { data: { id }, cause: err });
      }
    default:
      throw new CorruptObjectError(`object ${id} has an unknown encoding ${encoding}`, { data: { id } });
  }
}
