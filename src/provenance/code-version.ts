import fs from 'node:fs';
import path from 'node:path';
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

/** The git repository enclosing `start`, or null when there is none. */
export async function findGitRepository(start: string): Promise<GitLocation | null> {
  try {
    const dir = await gitLib().findRoot({ fs, filepath: path.resolve(start) });
    return { dir };
  } catch {
    return null;
  }
}

/**
 * Reads the code version of the git repository around `start` (null outside any git
 * repository). `exclude` names files (relative to `start`) whose changes do not make the
 * code dirty because the caller accounts for them otherwise (dv.yaml, params files).
 * Read only: the git index is not refreshed, nothing in `.git` is written.
 */
export async function readCodeVersion(start: string, opts: { exclude?: string[] } = {}): Promise<CodeVersion | null> {
  const loc = await findGitRepository(start);
  if (!loc) return null;
  const { dir } = loc;
  const excluded = new Set((opts.exclude ?? []).map((p) => path.relative(dir, path.resolve(start, p)).split(path.sep).join('/')));
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
  for (const [file, head, workdir, stage] of rows) {
    const tracked = head !== 0 || stage !== 0;
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
  return { commit, branch, dirty: dirtyFiles.length > 0, dirtyHash, dirtyFiles };
}
