/**
 * Upstream sources: registering, updating and rolling back datasets fetched from http(s)
 * URLs or local paths. The registry is the history itself (commit meta `sources`);
 * downloads stream to a temporary file, are verified and checked against contracts
 * before anything is committed. `verifyRepository` reports drift.
 */
export * from './source-entry.js';
export * from './fetch-origin.js';
export * from './registry.js';
export * from './land-version.js';
export * from './source-ops.js';
export * from './verify.js';
