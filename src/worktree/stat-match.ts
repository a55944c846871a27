import type { IndexEntry } from './index-entry.js';
import { isRacy } from './index-store.js';
import type { FileStat } from './scan.js';

/**
 * Whether a file's stat data proves it still has the indexed content: same kind, size,
 * mtime, ctime, inode and device, and not racily clean. When false, the content must be hashed.
 */
export function statMatches(entry: IndexEntry, st: FileStat, stamp: IndexEntry['mtime']): boolean {
  return entry.kind === st.kind &&
    entry.size === st.size &&
    entry.mtime[0] === st.mtime[0] && entry.mtime[1] === st.mtime[1] &&
    entry.ctime[0] === st.ctime[0] && entry.ctime[1] === st.ctime[1] &&
    entry.ino === st.ino && entry.dev === st.dev &&
    !isRacy(st.mtime, stamp);
}
