/**
 * The optional native addon (built from native/ on install): one-shot BLAKE3 without a
 * per-call hasher object, and the FastCDC cut search. Below every other module; callers
 * keep a JavaScript path for machines where it was not built.
 */
export * from './native-addon.js';
