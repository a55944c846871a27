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
  const ig: Ignore = ignore().add(ALWAYS_IGNORED);
  const file = path.join(root, IGNORE_FILE);
  if (fs.existsSync(file)) ig.add(fs.readFileSync(file, 'utf8'));
  return {
    ignores(relPath, isDir) {
      if (relPath === '') return false;
      return ig.ignores(isDir ? relPath + '/' : relPath);
    },
  };
}
