/**
 * Repositories: create, discover and open one; its config and the identity that
 * commits and reflogs record.
 */
export * from './repository.js';
export * from './identity.js';
