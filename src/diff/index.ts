/**
 * Diffs: file-level comparison of trees (and of flat path → entry maps, which status and
 * the working tree reuse), the `--stat` size view, and `show`'s commit summaries.
 * Subtrees with equal ids are never read.
 */
export * from './tree-diff.js';
export * from './diff-stat.js';
export * from './show.js';
export * from './diff-revisions.js';
export * from './row-keys.js';
export * from './row-diff-revisions.js';
