/**
 * Maintenance: `fsck` verifies every stored object and the connectivity from refs,
 * reflogs, the index and config; `gc` drops what none of them reach, never racing a
 * concurrent writer (generation check and writer leases), then compacts pack files.
 */
export * from './links.js';
export * from './roots.js';
export * from './mark.js';
export * from './pack-usage.js';
export * from './fsck.js';
export * from './compact-packs.js';
export * from './gc.js';
export * from './verify-contents.js';
