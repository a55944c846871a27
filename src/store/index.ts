/**
 * Storage: one LMDB environment per repository (`.dv/store.mdb`) holding the object
 * database and the small databases that refs, index, config and locks use (writer leases
 * for gc, exclusive locks). Objects are verified against their id on every read.
 */
export * from './environment.js';
export * from './record.js';
export * from './base-buffers.js';
export * from './pack-store.js';
export * from './object-store.js';
export * from './verify-payload.js';
export * from './content-writer.js';
export * from './store-pool.js';
export * from './content-stream.js';
export * from './writer-lease.js';
export * from './exclusive-lock.js';
export * from './index-entry.js';
export * from './migrate-format.js';
export * from './native-verifier.js';
export * from './verify-blob.js';
export * from './file-on-threads.js';
