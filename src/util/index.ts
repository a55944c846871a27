/** Small helpers with no dependencies: bytes, repository paths, clock, processes, file replacement. */
export * from './bytes.js';
export * from './repo-path.js';
export * from './clock.js';
export * from './glob.js';
export * from './process.js';
export * from './worker-script.js';
export * from './thread-error.js';
export * from './package-version.js';
export * from './replace-file.js';
export * from './temporary-files.js';
export * from './run-with-limit.js';
