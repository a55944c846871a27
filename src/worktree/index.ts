/**
 * The working tree: `.dvignore`, the stat-caching index, and the operations that move
 * data between files, the index and history (add, rm, status, commit, checkout, export).
 */
export * from './index-entry.js';
export * from './ignore-rules.js';
export * from './scan.js';
export * from './index-store.js';
export * from './stat-table.js';
export * from './build-tree.js';
export * from './add.js';
export * from './rm.js';
export * from './commit.js';
export * from './status.js';
export * from './checkout.js';
export * from './export-tree.js';
export * from './materialize.js';
export * from './link-or-copy.js';
export * from './prepared-content.js';
export * from './clean-copy.js';
export * from './path-content.js';
export * from './content-id.js';
