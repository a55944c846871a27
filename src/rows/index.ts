/**
 * Tables read row by row: CSV, TSV and JSONL streamed from any source of byte pieces,
 * value types, and the row-level diff (aligned by key or by content, bounded memory).
 * Nothing here knows about revisions or the store; callers hand in ChunkSources.
 */
export * from './table-format.js';
export * from './chunk-source.js';
export * from './record-cursor.js';
export * from './first-difference.js';
export * from './line-breaks.js';
export * from './split-record.js';
export * from './value-type.js';
export * from './table-reader.js';
export * from './row-diff.js';
export * from './value-bytes.js';
export * from './hash-set52.js';
export * from './row-segments.js';
