/**
 * s3:// remotes: a repository's objects and refs kept in an S3 bucket (AWS S3 or an
 * S3-compatible server that honours conditional writes), read and written through the
 * AWS SDK v3. Layout: spec/s3-remote.md.
 */
export * from './s3-location.js';
export * from './s3-transport.js';
export * from './s3-pack.js';
