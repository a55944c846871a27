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
  let st: fs.BigIntStats;
  try {
    st = fs.lstatSync(abs, { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  if (st.isDirectory()) return 'dir';
  return toFileStat(st);
}

function toFileStat(st: fs.BigIntStats): FileStat | undefined {
  let kind: FileStat['kind'];
  if (st.isSymbolicLink()) kind = 'symlink';
  else if (st.isFile()) kind = (st.mode & 0o111n) !== 0n ? 'exec' : 'file';
  else return undefined; // sockets, fifos, devices are not data
  return {
    kind,
    size: Number(st.size),
    mtime: splitNs(st.mtimeNs),
    ctime: splitNs(st.ctimeNs),
    ino: Number(st.ino),
    dev: Number(st.dev),
  };
}

function splitNs(ns: bigint): StatTime {
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
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
    for (const d of names) {
      const rel = joinRepoPath(dir, d.name);
      const isDir = d.isDirectory();
      if (rules.ignores(rel, isDir)) continue;
      if (isDir) { walk(rel); continue; }
      const st = statPath(path.join(root, rel));
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
