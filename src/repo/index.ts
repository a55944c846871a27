/**
 * Repositories: create, discover and open one; its config (with the settings people may
 * change) and the identity that commits and reflogs record.
 */
export * from './repository.js';
export * from './identity.js';
export * from './settings.js';
