import { describeObject, resolveRevision, resolveRevPath, type ObjectDescription } from '../history/index.js';
import type { Repository } from '../repo/index.js';
import type { RepoPath } from '../util/index.js';
import { diffTrees, type FileChange } from './tree-diff.js';

/** What `dv show` prints: the object, and for a commit its file changes against the first parent. */
export type ShowResult = ObjectDescription & {
  /** Set when the revision was `REV:path`. */
  path?: RepoPath;
  /** Commits only: file-level changes against the first parent (the empty tree for a root commit). */
  changes?: FileChange[];
  /** Tags only: the tagged object as show describes it. */
  target?: ShowResult;
};

/** Resolves `rev` and describes the object it names, adding a commit's change summary. */
export function showRevision(repo: Repository, rev: string): ShowResult {
  if (rev.includes(':')) {
    const entry = resolveRevPath(repo, rev);
    return { ...withChanges(repo, describeObject(repo, entry.id)), path: entry.path };
  }
  return withChanges(repo, describeObject(repo, resolveRevision(repo, rev)));
}

function withChanges(repo: Repository, d: ObjectDescription): ShowResult {
  if (d.type === 'commit') {
    const parent = d.parents[0];
    const from = parent ? repo.objects.readCommit(parent).tree : null;
    return { ...d, changes: diffTrees(repo.objects, from, d.tree) };
  }
  if (d.type === 'tag') return { ...d, target: withChanges(repo, d.target) };
  return d;
}
