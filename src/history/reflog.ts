import { NotFoundError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { HEAD } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { formatTimestamp } from '../util/index.js';

/** One reflog line as `dv reflog` shows it; `index` is N in `REF@{N}` (0 = newest). */
export interface ReflogItem {
  index: number;
  ref: string;
  old: Oid | null;
  new: Oid | null;
  who: string;
  ms: number;
  date: string;
  message: string;
}

/**
 * The reflog of a ref, newest first. `ref` is HEAD, a full ref name, or a short branch,
 * tag or remote-tracking name; a deleted branch's log is still found.
 */
export function readReflog(repo: Repository, ref: string = HEAD, limit = Infinity): { ref: string; entries: ReflogItem[] } {
  const name = reflogName(repo, ref);
  const entries = repo.refs.reflog(name, limit).map((e, index) => ({
    index, ref: e.ref, old: e.old, new: e.new, who: e.who, ms: e.ms, date: formatTimestamp({ ms: e.ms, tz: 0 }), message: e.message,
  }));
  return { ref: name, entries };
}

function reflogName(repo: Repository, ref: string): string {
  if (ref === HEAD || ref === '@') return HEAD;
  const candidates = ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`, `refs/remotes/${ref}`, `refs/${ref}`];
  for (const c of candidates) if (repo.refs.read(c) !== undefined) return c;
  for (const c of candidates) if (repo.refs.reflog(c, 1).length > 0) return c;
  throw new NotFoundError(`no reflog for '${ref}': no such ref`, { data: { ref }, hint: 'name a branch, a tag, a full ref name or HEAD' });
}
