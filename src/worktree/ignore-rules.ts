import fs from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';

export const IGNORE_FILE = '.dvignore';
/** Never tracked: dv's own directory and a code repository's. */
const ALWAYS_IGNORED = ['.dv', '.git'];

/** Decides which working-tree paths dv leaves alone (gitignore syntax in `.dvignore`). */
export interface IgnoreRules {
  ignores(relPath: string, isDir: boolean): boolean;
}

/** Loads `.dvignore` from the working tree root. */
export function loadIgnoreRules(root: string): IgnoreRules {
  const file = path.join(root, IGNORE_FILE);
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (text.trim() === '') {
    // No rules of the user's: only dv's and git's own directories, checked by name.
    return { ignores: (relPath) => ALWAYS_IGNORED.includes(relPath.slice(relPath.lastIndexOf('/') + 1)) };
  }
  const ig: Ignore = ignore().add(ALWAYS_IGNORED).add(text);
  return {
    ignores(relPath, isDir) {
      if (relPath === '') return false;
      return ig.ignores(isDir ? relPath + '/' : relPath);
    },
  };
}
