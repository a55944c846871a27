import type { Oid } from '../hash/index.js';
import { BRANCH_PREFIX, HEAD, REMOTE_PREFIX, TAG_PREFIX } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { peel } from './rev-parse.js';

/** The current branch's short name, or null when HEAD is detached. */
export function currentBranch(repo: Repository): string | null {
  const target = repo.refs.resolveName(HEAD);
  return target.startsWith(BRANCH_PREFIX) ? target.slice(BRANCH_PREFIX.length) : null;
}

/**
 * The names pointing at each commit, as git's log decorations show them:
 * `HEAD -> main`, `main`, `tag: v1`, `origin/main`. Annotated tags decorate the commit they tag.
 */
export function readDecorations(repo: Repository): Map<Oid, string[]> {
  const out = new Map<Oid, string[]>();
  const add = (id: Oid, name: string) => {
    const list = out.get(id) ?? [];
    list.push(name);
    out.set(id, list);
  };
  const head = repo.refs.resolve(HEAD);
  const branch = currentBranch(repo);
  if (head) add(head, branch ? `HEAD -> ${branch}` : 'HEAD');
  for (const r of repo.refs.list(BRANCH_PREFIX)) {
    const name = r.name.slice(BRANCH_PREFIX.length);
    if (name !== branch || r.oid !== head) add(r.oid, name);
  }
  for (const r of repo.refs.list(TAG_PREFIX)) {
    let id = r.oid;
    try { id = peel(repo, r.oid, 'commit', r.name); } catch { /* a tag of a tree or file decorates nothing in a log */ }
    add(id, `tag: ${r.name.slice(TAG_PREFIX.length)}`);
  }
  for (const r of repo.refs.list(REMOTE_PREFIX)) add(r.oid, r.name.slice(REMOTE_PREFIX.length));
  return out;
}
