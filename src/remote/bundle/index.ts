/**
 * Bundles: a repository's objects and refs in one tar file for offline transfer
 * (spec/bundle.md). Reading verifies everything before anything is imported.
 */
export * from './bundle-format.js';
export * from './open-bundle.js';
export * from './create-bundle.js';
export * from './bundle-transport.js';
export * from './unbundle.js';
