/**
 * Canonical msgpack: map keys sorted, integers as integers, no undefined. The same
 * logical value always encodes to the same bytes, so the same object always hashes the same.
 */
export * from './canonical.js';
