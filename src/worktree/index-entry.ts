/** The index entry type and its binary encoding live in store/ (gc and fsck read the index too). */
export { type IndexEntry, type StatTime, INDEX_KIND_CODE, encodeIndexEntry, decodeIndexEntry } from '../store/index.js';
