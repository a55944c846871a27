import type { Repository } from '../../../repo/index.js';
import { parseRepoPath, toRepoPath, type RepoPath } from '../../../util/index.js';

/** The paths given after `--`, as repository paths (relative to the current directory in a working tree). */
export function pathArgs(repo: Repository, argv: { _: Array<string | number>; '--'?: Array<string | number> }): RepoPath[] {
  const raw = [...argv._.slice(1), ...(argv['--'] ?? [])].map(String);
  return raw.map((p) => (repo.root === null ? parseRepoPath(p) : toRepoPath(repo.root, process.cwd(), p)));
}
