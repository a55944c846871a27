import { hash as blake3Hash, createHash as blake3CreateHash } from 'blake3';
import { oidFromBytes, type Oid } from './oid.js';

/** BLAKE3-256 of bytes as an id. */
export function hashBytes(bytes: Uint8Array): Oid {
  return oidFromBytes(blake3Hash(bytes));
}

/** Raw 32-byte BLAKE3-256 digest (for hot paths that key LMDB by bytes). */
export function hashBytesRaw(bytes: Uint8Array): Buffer {
  return blake3Hash(bytes);
}

/** An incremental hasher for streamed content. */
export interface Hasher {
  update(bytes: Uint8Array): void;
  digest(): Oid;
}

/** Starts an incremental BLAKE3 hash. */
export function createHasher(): Hasher {
  const h = blake3CreateHash();
  return {
    update(bytes) { h.update(bytes); },
    digest() { return oidFromBytes(h.digest()); },
  };
}

/** The hashing function in use, so a test can check it is the native addon. */
export const hashImplementation: unknown = blake3Hash;
