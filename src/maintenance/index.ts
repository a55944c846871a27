/**
 * Maintenance: `fsck` verifies every stored object and the connectivity from refs,
 * reflogs, the index and config.
 */
export * from './links.js';
export * from './roots.js';
export * from './fsck.js';
