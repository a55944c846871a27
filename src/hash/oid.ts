import { InvalidInputError } from '../errors/index.js';

declare const oidBrand: unique symbol;
/** A full object id: 64 lowercase hex characters. */
export type Oid = string & { readonly [oidBrand]: true };

export const OID_HEX_LENGTH = 64;
export const OID_BYTES = 32;
export const SHORT_OID_LENGTH = 12;
/** Shortest prefix accepted when resolving a revision. */
export const MIN_PREFIX_LENGTH = 4;

const FULL = /^[0-9a-f]{64}$/;

/** True when `text` is a full lowercase hex id. */
export function isOid(text: string): text is Oid {
  return FULL.test(text);
}

/** Validates a full id given as text. */
export function parseOid(text: string): Oid {
  const lower = text.toLowerCase();
  if (!FULL.test(lower)) throw new InvalidInputError(`not an object id: ${text}`);
  return lower as Oid;
}

/** The id of 32 raw digest bytes. */
export function oidFromBytes(bytes: Uint8Array): Oid {
  if (bytes.length !== OID_BYTES) throw new InvalidInputError(`object id must be ${OID_BYTES} bytes, got ${bytes.length}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') as Oid;
}

/** The 32 raw bytes of an id (LMDB key form). */
export function oidToBytes(oid: Oid): Buffer {
  return Buffer.from(oid, 'hex');
}

/** The 12-character short form. */
export function shortOid(oid: Oid | string): string {
  return oid.slice(0, SHORT_OID_LENGTH);
}
