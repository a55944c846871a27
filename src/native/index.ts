/**
 * The optional native addon (built from native/ on install): one-shot BLAKE3 without a
 * per-call hasher object, the FastCDC cut search, line and difference searches for row
 * diffs, lstat of a directory's entries in one call, and the stat half of a status. Below every other module;
 * callers keep a JavaScript path for machines where it was not built.
 */
export * from './native-addon.js';
