/**
 * References: branches, tags, HEAD (symbolic or detached), remote-tracking refs and
 * their reflogs. Every update is a compare-and-swap inside one LMDB write transaction.
 */
export * from './ref-name.js';
export * from './ref-store.js';
