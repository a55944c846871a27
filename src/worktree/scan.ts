import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidInputError } from '../errors/index.js';
import { nativeAddon } from '../native/index.js';
import { joinRepoPath, type RepoPath } from '../util/index.js';
import type { IgnoreRules } from './ignore-rules.js';
import type { IndexEntry, StatTime } from './index-entry.js';

/** What a working-tree file looks like on disk now. */
export interface FileStat {
  kind: IndexEntry['kind'];
  size: number;
  mtime: StatTime;
  ctime: StatTime;
  ino: number;
  dev: number;
}

/** The index entry for content `leaf` (id, kind, size) just written or found at a path with stat data `st`. */
export function indexEntryOf(leaf: { id: IndexEntry['id']; kind: string; size: number }, st: FileStat): IndexEntry {
  return { id: leaf.id, kind: leaf.kind as IndexEntry['kind'], size: leaf.size, mtime: st.mtime, ctime: st.ctime, ino: st.ino, dev: st.dev };
}

/** Stat data of one path (lstat: symlinks are not followed), or undefined if absent or a directory. */
export function statPath(abs: string): FileStat | 'dir' | undefined {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(abs, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
  if (!st) return undefined;
  if (st.isDirectory()) return 'dir';
  return toFileStat(st);
}

function toFileStat(st: Pick<fs.Stats, 'mode' | 'size' | 'mtimeMs' | 'ctimeMs' | 'ino' | 'dev'>): FileStat | undefined {
  let kind: FileStat['kind'];
  const type = st.mode & fs.constants.S_IFMT;
  if (type === fs.constants.S_IFLNK) kind = 'symlink';
  else if (type === fs.constants.S_IFREG) kind = (st.mode & 0o111) !== 0 ? 'exec' : 'file';
  else return undefined; // sockets, fifos, devices are not data
  return { kind, size: st.size, mtime: splitMs(st.mtimeMs), ctime: splitMs(st.ctimeMs), ino: st.ino, dev: st.dev };
}

/**
 * statPath of each of `names` in directory `absDir`. With the native addon this is one
 * call per directory (fstatat, no stat objects): a third of the time lstatSync takes per
 * file, which is most of a no-change status of many small files.
 */
function statNames(absDir: string, names: readonly string[]): Array<FileStat | 'dir' | undefined> {
  const native = nativeAddon();
  // The addon takes directory paths shorter than PATH_MAX; lstat itself says what is wrong with longer ones.
  if (!native || names.length === 0 || Buffer.byteLength(absDir) >= 4000) return names.map((n) => statPath(absDir + '/' + n));
  const out = new Float64Array(names.length * 6);
  try {
    native.lstatNames(absDir, names, out);
  } catch (err) {
    // The directory went away (or became a file) since it was listed: nothing in it is there.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return names.map(() => undefined);
    throw err;
  }
  return names.map((name, i) => {
    const o = i * 6;
    const mode = out[o]!;
    if (mode < 0) {
      if (mode === -ENOENT || mode === -ENOTDIR) return undefined;
      // Anything else is what lstatSync would throw: let it say so.
      return statPath(absDir + '/' + name);
    }
    if ((mode & fs.constants.S_IFMT) === fs.constants.S_IFDIR) return 'dir';
    return toFileStat({ mode, size: out[o + 1]!, mtimeMs: out[o + 2]!, ctimeMs: out[o + 3]!, ino: out[o + 4]!, dev: out[o + 5]! });
  });
}

const ENOENT = os.constants.errno.ENOENT;
const ENOTDIR = os.constants.errno.ENOTDIR;

/**
 * Seconds and nanoseconds from the millisecond double that plain (non-bigint) stat
 * gives. It keeps sub-microsecond detail and converts the same way every time, which is
 * all the index comparison needs; bigint stat costs several times more per file.
 */
function splitMs(ms: number): StatTime {
  const sec = Math.floor(ms / 1000);
  return [sec, Math.round((ms - sec * 1000) * 1e6)];
}

/**
 * The order scanWorktree lists paths in: component by component, by UTF-16 code unit, so
 * '/' sorts before any other character (a directory's files come before `dir-b/…`).
 */
export function compareWalkOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x === 0x2f) return -1;
    if (y === 0x2f) return 1;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Lists the files under `under` (a directory or a single file) that are not ignored,
 * with their stat data, in path order (compareWalkOrder). Symlinked directories are recorded as symlinks,
 * never descended into, so a scan cannot leave the working tree.
 */
export function scanWorktree(root: string, under: RepoPath, rules: IgnoreRules): Map<RepoPath, FileStat> {
  const out = new Map<RepoPath, FileStat>();
  const top = statPath(path.join(root, under));
  if (top === undefined) return out;
  if (top !== 'dir') {
    if (!rules.ignores(under, false)) out.set(under, top);
    return out;
  }
  const walk = (dir: RepoPath) => {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    names.sort((a, b) => compareWalkOrder(a.name, b.name));
    const absDir = dir === '' ? root : root + '/' + dir;
    // Files are statted together, then entered in path order with the subdirectories.
    const kept: RepoPath[] = [];
    const isDir: boolean[] = [];
    const fileNames: string[] = [];
    for (const d of names) {
      const rel = joinRepoPath(dir, d.name);
      const dirent = d.isDirectory();
      if (rules.ignores(rel, dirent)) continue;
      kept.push(rel);
      isDir.push(dirent);
      if (!dirent) fileNames.push(d.name);
    }
    const stats = statNames(absDir, fileNames);
    for (let i = 0, f = 0; i < kept.length; i++) {
      if (isDir[i]) { walk(kept[i]!); continue; }
      const st = stats[f++];
      if (st && st !== 'dir') out.set(kept[i]!, st);
    }
  };
  walk(under);
  return out;
}

/** Refuses a path whose parent directories lead outside the working tree through a symlink. */
export function assertInsideWorktree(root: string, rel: RepoPath): void {
  const realRoot = fs.realpathSync(root);
  let dir = rel === '' ? root : path.dirname(path.join(root, rel));
  // Find the deepest existing ancestor and check where it really is.
  while (!fs.existsSync(dir)) dir = path.dirname(dir);
  const real = fs.realpathSync(dir);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new InvalidInputError(`path is outside the repository (through a symlink): ${rel}`, { data: { path: rel } });
  }
}
