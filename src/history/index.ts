/**
 * History: reading trees by path, resolving revisions, walking commits (log), and
 * describing objects (show).
 */
export * from './tree-walk.js';
export * from './rev-parse.js';
export * from './rev-walk.js';
export * from './describe.js';
