import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../errors/index.js';
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

function toFileStat(st: fs.Stats): FileStat | undefined {
  let kind: FileStat['kind'];
  if (st.isSymbolicLink()) kind = 'symlink';
  else if (st.isFile()) kind = (st.mode & 0o111) !== 0 ? 'exec' : 'file';
  else return undefined; // sockets, fifos, devices are not data
  return { kind, size: st.size, mtime: splitMs(st.mtimeMs), ctime: splitMs(st.ctimeMs), ino: st.ino, dev: st.dev };
}

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
 * Lists the files under `under` (a directory or a single file) that are not ignored,
 * with their stat data, in path order. Symlinked directories are recorded as symlinks,
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
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const absDir = dir === '' ? root : root + '/' + dir;
    for (const d of names) {
      const rel = joinRepoPath(dir, d.name);
      const isDir = d.isDirectory();
      if (rules.ignores(rel, isDir)) continue;
      if (isDir) { walk(rel); continue; }
      const st = statPath(absDir + '/' + d.name);
      if (st && st !== 'dir') out.set(rel, st);
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
