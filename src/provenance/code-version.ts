import fs from 'node:fs';
import path from 'node:path';
import { memoCodeVersion, recallCodeVersion } from './code-version-cache.js';
import { gitLib } from './git-lib.js';
import { createHasher, hashBytes, type Oid } from '../hash/index.js';

/** The code a run executed: the enclosing git repository's HEAD and whether its tracked files were changed. */
export interface CodeVersion {
  /** HEAD commit (40 hex), or null in a repository without commits. */
  commit: string | null;
  /** Current branch short name, or null when HEAD is detached. */
  branch: string | null;
  /** True when a tracked file differs from HEAD (staged or not). Untracked files do not count. */
  dirty: boolean;
  /** BLAKE3 over the sorted dirty paths and their working-tree ids; null when clean. */
  dirtyHash: Oid | null;
  /** The dirty paths, relative to the git repository root. */
  dirtyFiles: string[];
}

/** Where the enclosing git repository is. */
export interface GitLocation {
  /** Working directory of the git repository. */
  dir: string;
}

/** The git repository enclosing `start` (the nearest directory holding `.git`), or null when there is none. */
export async function findGitRepository(start: string): Promise<GitLocation | null> {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, '.git'))) return { dir };
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/**
 * Reads the code version of the git repository around `start` (null outside any git
 * repository). `exclude` names files (relative to `start`) whose changes do not make the
 * code dirty because the caller accounts for them otherwise (dv.yaml, params files).
 * Read only: the git index is not refreshed, nothing in `.git` is written. With `memoFile`,
 * the result is memoised there and reused while the files it depends on stat the same.
 */
export async function readCodeVersion(start: string, opts: { exclude?: string[]; memoFile?: string } = {}): Promise<CodeVersion | null> {
  const loc = await findGitRepository(start);
  if (!loc) return null;
  const { dir } = loc;
  const excludedList = [...new Set((opts.exclude ?? []).map((p) => path.relative(dir, path.resolve(start, p)).split(path.sep).join('/')))].sort();
  if (opts.memoFile) {
    const recalled = recallCodeVersion(opts.memoFile, dir, excludedList);
    if (recalled) return recalled;
  }
  const startedAt = Date.now();
  const excluded = new Set(excludedList);
  let commit: string | null = null;
  try {
    commit = await gitLib().resolveRef({ fs, dir, ref: 'HEAD' });
  } catch {
    commit = null; // no commits yet
  }
  const branch = (await gitLib().currentBranch({ fs, dir, fullname: false, test: true })) ?? null;
  const cache = {};
  const rows = await gitLib().statusMatrix({ fs, dir, cache, refresh: false });
  const dirtyFiles: string[] = [];
  const trackedFiles: string[] = [];
  for (const [file, head, workdir, stage] of rows) {
    const tracked = head !== 0 || stage !== 0;
    if (tracked) trackedFiles.push(file);
    if (tracked && !(head === 1 && workdir === 1 && stage === 1) && !excluded.has(file)) dirtyFiles.push(file);
  }
  dirtyFiles.sort();
  let dirtyHash: Oid | null = null;
  if (dirtyFiles.length > 0) {
    const h = createHasher();
    for (const f of dirtyFiles) {
      const abs = path.join(dir, f);
      const id = fs.existsSync(abs) ? hashBytes(fs.readFileSync(abs)) : 'deleted';
      h.update(Buffer.from(`${f}\0${id}\n`));
    }
    dirtyHash = h.digest();
  }
  const version: CodeVersion = { commit, branch, dirty: dirtyFiles.length > 0, dirtyHash, dirtyFiles };
  if (opts.memoFile) memoCodeVersion(opts.memoFile, dir, excludedList, trackedFiles, version, startedAt);
  return version;
}
