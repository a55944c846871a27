import { createRequire } from 'node:module';
import type * as Blake3 from 'blake3';
import { nativeAddon } from '../native/index.js';
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
  return oidFromBytes(hashBytesRaw(bytes));
}

/**
 * Raw 32-byte BLAKE3-256 digest (for hot paths that key LMDB by bytes). The addon's
 * one-shot leaves nothing behind; the package's `hash()` leaves a native hasher per call
 * for the garbage collector, which piled up to 110 MB over 50,000 small files.
 */
export function hashBytesRaw(bytes: Uint8Array): Buffer {
  const native = nativeAddon();
  if (!native) return blake3().hash(unshared(bytes));
  const out = Buffer.allocUnsafe(32);
  native.hashInto(bytes, out);
  return out;
}

/** An incremental hasher for streamed content. */
export interface Hasher {
  update(bytes: Uint8Array): void;
  digest(): Oid;
}

/** Where shared-memory bytes are copied before hashing (grown as needed, reused). */
let scratch = Buffer.alloc(0);

/**
 * `bytes`, or for a view of shared memory (a read-ahead ring) a private copy, valid until
 * the next call: the blake3 package's native code crashes the process on shared memory.
 */
function unshared(bytes: Uint8Array): Uint8Array {
  if (!(bytes.buffer instanceof SharedArrayBuffer)) return bytes;
  if (scratch.length < bytes.length) scratch = Buffer.allocUnsafe(Math.max(bytes.length, 256 * 1024));
  scratch.set(bytes);
  return scratch.subarray(0, bytes.length);
}

/** Starts an incremental BLAKE3 hash. */
export function createHasher(): Hasher {
  const h = blake3().createHash();
  return {
    update(bytes) { h.update(unshared(bytes)); },
    digest() { return oidFromBytes(h.digest()); },
  };
}

/**
 * A content hash joined in order from pieces hashed elsewhere (worker threads verifying
 * a received file's chunks make them with `hashPiece`) and from plain bytes.
 */
export interface PieceHasher extends Hasher {
  add(piece: Uint8Array): void;
}

/** True when content can be hashed in pieces (the native addon is built). */
export function canHashInPieces(): boolean {
  return nativeAddon() !== undefined;
}

/** The piece for `bytes` found at `offset` in content of `contentSize` bytes (needs canHashInPieces). */
export function hashPiece(bytes: Uint8Array, offset: number, contentSize: number): Uint8Array {
  return nativeAddon()!.filePiece(bytes, offset, contentSize);
}

/** Starts a piece hasher (needs canHashInPieces). */
export function createPieceHasher(): PieceHasher {
  const native = nativeAddon()!;
  const state = native.pieceHasherNew();
  return {
    update(bytes) { native.pieceHasherUpdate(state, bytes); },
    add(piece) { native.pieceHasherAdd(state, piece); },
    digest() {
      const out = Buffer.allocUnsafe(32);
      native.pieceHasherDigest(state, out);
      return oidFromBytes(out);
    },
  };
}

/** The hashing functions in use, so a test can check both are native. */
export function hashImplementation(): { streaming: unknown; oneShot: 'dv-native' | 'blake3-package' } {
  return { streaming: blake3().hash, oneShot: nativeAddon() ? 'dv-native' : 'blake3-package' };
}
