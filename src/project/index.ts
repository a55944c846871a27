/**
 * The project description: dv.yaml at the working-tree root, read once and split into
 * its sections (stages, contracts, sources…); each section's owner validates its part.
 */
export * from './project-file.js';
