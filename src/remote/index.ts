/**
 * Remotes: the Transport interface every remote kind implements (path, http, s3), the
 * walk that finds what the other side lacks (collectObjects), and the verifying import
 * that receives objects (ObjectImporter).
 */
export * from './transport.js';
export * from './collect-objects.js';
export * from './commit-history.js';
export * from './store-source.js';
export * from './import-objects.js';
export * from './remote-config.js';
export * from './apply-ref-updates.js';
export * from './path-transport.js';
export * from './open-transport.js';
export * from './wire-format.js';
export * from './send-frames.js';
export * from './fetch-objects.js';
export * from './fetch-missing.js';
export * from './push.js';
export * from './fetch.js';
export * from './pull.js';
export * from './clone.js';
export * from './checkout-tap.js';
