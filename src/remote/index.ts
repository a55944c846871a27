/**
 * Remotes: the Transport interface every remote kind implements (path, http, s3), the
 * walk that finds what the other side lacks (collectObjects), and the verifying import
 * that receives objects (ObjectImporter).
 */
export * from './transport.js';
export * from './collect-objects.js';
export * from './store-source.js';
export * from './import-objects.js';
