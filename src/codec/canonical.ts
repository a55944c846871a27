import { Packr, Unpackr } from 'msgpackr';
import { CorruptObjectError, InternalError } from '../errors/index.js';

/** Values the canonical form can carry. */
export type CanonicalValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | CanonicalValue[]
  | { [key: string]: CanonicalValue };

// Plain msgpack: no records extension, no structured clone; maps decode to objects.
const packr = new Packr({ useRecords: false, moreTypes: false, structuredClone: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, moreTypes: false, structuredClone: false, int64AsType: 'number' });

/** Encodes a value in canonical form (sorted keys, absent values dropped). */
export function encodeCanonical(value: CanonicalValue): Buffer {
  return packr.pack(normalise(value, '$'));
}

/** Decodes canonical bytes; throws CorruptObjectError on malformed input. */
export function decodeCanonical(bytes: Uint8Array): unknown {
  try {
    return unpackr.unpack(bytes);
  } catch (err) {
    throw new CorruptObjectError(`malformed object encoding: ${(err as Error).message}`, { cause: err });
  }
}

function normalise(v: unknown, where: string): CanonicalValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new InternalError(`non-finite number at ${where}`);
    // msgpackr writes integers outside uint32/int32 as float64; a BigInt makes it use int64.
    if (Number.isSafeInteger(v) && (v >= 2 ** 32 || v < -(2 ** 31))) return BigInt(v) as unknown as CanonicalValue;
    return v;
  }
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x, i) => normalise(x, `${where}[${i}]`));
  if (typeof v === 'object') {
    const out: { [k: string]: CanonicalValue } = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) continue;
      out[k] = normalise(x, `${where}.${k}`);
    }
    return out;
  }
  throw new InternalError(`cannot encode ${typeof v} at ${where}`);
}
