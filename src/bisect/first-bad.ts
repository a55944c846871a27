import { diffStat, diffTrees, type DiffSummary, type FileStat } from '../diff/index.js';
import type { Oid } from '../hash/index.js';
import { viewSignature, type SignatureView } from '../history/index.js';
import type { Repository } from '../repo/index.js';

/** The commit a bisection found, with its file-level changes against its first parent. */
export interface FirstBadCommit {
  id: Oid;
  subject: string;
  message: string;
  author: SignatureView;
  parents: Oid[];
  changes: FileStat[];
  summary: DiffSummary;
}

/** Describes the first bad commit: message, author, and what it changed (size per file). */
export function describeFirstBad(repo: Repository, id: Oid): FirstBadCommit {
  const c = repo.objects.readCommit(id);
  const parent = c.parents[0];
  const from = parent ? repo.objects.readCommit(parent).tree : null;
  const stat = diffStat(diffTrees(repo.objects, from, c.tree));
  return { id, subject: subjectOf(c.message), message: c.message, author: viewSignature(c.author), parents: c.parents, changes: stat.files, summary: stat.summary };
}

/** The first line of a commit message. */
export function subjectOf(message: string): string {
  return message.split('\n', 1)[0] ?? '';
}
