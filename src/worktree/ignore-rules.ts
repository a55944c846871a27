import fs from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { isTemporaryName, type RepoPath } from '../util/index.js';

export const IGNORE_FILE = '.dvignore';
/** Never tracked: dv's own directory and a code repository's. */
const ALWAYS_IGNORED = ['.dv', '.git'];

/** dv's own directory, a code repository's, or a file dv is making (isTemporaryName). */
function alwaysIgnored(relPath: string): boolean {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  return ALWAYS_IGNORED.includes(name) || isTemporaryName(name);
}

/** Decides which working-tree paths dv leaves alone (gitignore syntax in `.dvignore`). */
export interface IgnoreRules {
  ignores(relPath: string, isDir: boolean): boolean;
  /** False when only dv's and git's own directories (and dv's temporary files) are ignored (no `.dvignore` rules). */
  readonly userRules: boolean;
}

/** Loads `.dvignore` from the working tree root. */
export function loadIgnoreRules(root: string): IgnoreRules {
  const file = path.join(root, IGNORE_FILE);
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (text.trim() === '') {
    // No rules of the user's: only dv's and git's own directories and dv's temporary files, checked by name.
    return { ignores: alwaysIgnored, userRules: false };
  }
  const ig: Ignore = ignore().add(ALWAYS_IGNORED).add(text);
  return {
    ignores(relPath, isDir) {
      if (relPath === '') return false;
      return alwaysIgnored(relPath) || ig.ignores(isDir ? relPath + '/' : relPath);
    },
    userRules: true,
  };
}

/**
 * The rules with tracked paths exempt: as in git, `.dvignore` only keeps untracked files
 * out, so a file added with `--force` is still compared, staged and kept like any other,
 * and so is a directory that holds one.
 */
export function exceptTracked(rules: IgnoreRules, tracked: Iterable<RepoPath>): IgnoreRules {
  // Without user rules nothing trackable is ignored (.dv and .git are never tracked).
  if (!rules.userRules) return rules;
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const p of tracked) {
    files.add(p);
    for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) {
      const dir = p.slice(0, i);
      if (dirs.has(dir)) break; // its ancestors are in already
      dirs.add(dir);
    }
  }
  return {
    ignores: (relPath, isDir) => !(isDir ? dirs : files).has(relPath) && rules.ignores(relPath, isDir),
    userRules: true,
  };
}
