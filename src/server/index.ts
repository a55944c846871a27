/**
 * `dv serve`: the HTTP server for remotes (transfer protocol, token authentication and
 * per-branch permissions), and the tokens file it reads.
 */
export * from './tokens.js';
export * from './serve.js';
