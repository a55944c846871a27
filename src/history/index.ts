/**
 * History: reading trees by path, resolving revisions, walking commits (log), and
 * describing objects (show).
 */
export * from './tree-walk.js';
export * from './rev-parse.js';
export * from './rev-walk.js';
export * from './describe.js';
export * from './ancestry.js';
export * from './decorations.js';
export * from './log.js';
export * from './branch.js';
export * from './tag.js';
export * from './reflog.js';
export * from './content.js';
export * from './list-tree.js';
