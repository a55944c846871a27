/**
 * Pure object model: the kinds of object dv stores and their canonical encodings.
 * Nothing here touches the disk; `store/` persists what these functions produce.
 */
export * from './types.js';
export * from './encode.js';
export * from './decode.js';
export * from './links.js';
