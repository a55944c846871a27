import path from 'node:path';
import type { Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import type { RepoPath } from '../util/index.js';
import { readIndex } from './index-store.js';
import { statPath } from './scan.js';
import { statMatches } from './stat-match.js';

/**
 * The absolute path of the working-tree file at `p` when the index proves (by stat data)
 * that it holds content `id`, else null. Readers of stored content use it to read plain
 * file bytes instead of decompressing chunks.
 */
export function cleanWorktreeCopy(repo: Repository, p: RepoPath, id: Oid): string | null {
  if (repo.root === null) return null;
  const { entries, stamp } = readIndex(repo, p);
  const entry = entries.get(p);
  if (!entry || entry.id !== id || entry.kind === 'symlink') return null;
  const abs = path.join(repo.root, p);
  const st = statPath(abs);
  if (!st || st === 'dir' || !statMatches(entry, st, stamp)) return null;
  return abs;
}
