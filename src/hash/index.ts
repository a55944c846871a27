/**
 * Object ids: BLAKE3-256 digests shown as 64 lowercase hex characters. Hashing goes
 * through the `blake3` package, which install points at the native addon.
 */
export * from './oid.js';
export * from './blake3.js';
