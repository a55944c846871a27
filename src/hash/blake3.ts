import { createRequire } from 'node:module';
import type * as Blake3 from 'blake3';
import { oidFromBytes, type Oid } from './oid.js';

// Loaded on first use (the native addon costs start-up time that many commands never need).
const require = createRequire(import.meta.url);
let blake3Module: typeof Blake3 | undefined;
function blake3(): typeof Blake3 {
  blake3Module ??= require('blake3') as typeof Blake3;
  return blake3Module;
}

/** BLAKE3-256 of bytes as an id. */
export function hashBytes(bytes: Uint8Array): Oid {
  return oidFromBytes(blake3().hash(bytes));
}

/** Raw 32-byte BLAKE3-256 digest (for hot paths that key LMDB by bytes). */
export function hashBytesRaw(bytes: Uint8Array): Buffer {
  return blake3().hash(bytes);
}

/** An incremental hasher for streamed content. */
export interface Hasher {
  update(bytes: Uint8Array): void;
  digest(): Oid;
}

/** Starts an incremental BLAKE3 hash. */
export function createHasher(): Hasher {
  const h = blake3().createHash();
  return {
    update(bytes) { h.update(bytes); },
    digest() { return oidFromBytes(h.digest()); },
  };
}

/** The hashing function in use, so a test can check it is the native addon. */
export function hashImplementation(): unknown {
  return blake3().hash;
}
