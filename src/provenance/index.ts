/**
 * Provenance: what a run executed with. The code version comes from the git repository
 * that encloses the working tree (read with isomorphic-git, never written); the
 * environment is the runtime, platform, lockfiles and container image.
 */
export * from './code-version.js';
export * from './run-environment.js';
export * from './export-git-tree.js';
