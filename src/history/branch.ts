import { ConflictError, NotFoundError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { BRANCH_PREFIX, HEAD, REMOTE_PREFIX, branchRef } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { isAncestor } from './ancestry.js';
import { currentBranch } from './decorations.js';
import { resolveCommit } from './rev-parse.js';

/** A branch as `dv branch` lists it. */
export interface BranchInfo {
  /** Short name (`main`, or `origin/main` for a remote-tracking branch). */
  name: string;
  ref: string;
  id: Oid;
  current: boolean;
  remote: boolean;
  /** First line of the tip commit's message. */
  subject: string;
}

/** Options of listBranches. */
export interface ListBranchesOptions {
  /** Remote-tracking branches only. */
  remotes?: boolean;
  /** Local and remote-tracking branches. */
  all?: boolean;
  /** Shell-style globs (`*`, `?`) the short name must match; empty means all. */
  patterns?: string[];
}

/** Branches sorted by name, the current one marked. */
export function listBranches(repo: Repository, opts: ListBranchesOptions = {}): BranchInfo[] {
  const current = currentBranch(repo);
  const prefixes = opts.all ? [BRANCH_PREFIX, REMOTE_PREFIX] : opts.remotes ? [REMOTE_PREFIX] : [BRANCH_PREFIX];
  const globs = (opts.patterns ?? []).map(globToRegExp);
  const out: BranchInfo[] = [];
  for (const prefix of prefixes) {
    for (const r of repo.refs.list(prefix)) {
      const name = r.name.slice(prefix.length);
      if (globs.length > 0 && !globs.some((g) => g.test(name))) continue;
      out.push({
        name, ref: r.name, id: r.oid, remote: prefix === REMOTE_PREFIX,
        current: prefix === BRANCH_PREFIX && name === current, subject: subjectOf(repo, r.oid),
      });
    }
  }
  return out;
}

/** Creates branch `name` at `start` (default HEAD); an existing branch is moved only with `force`, never the checked-out one. */
export function createBranch(repo: Repository, name: string, start = HEAD, opts: { force?: boolean } = {}): BranchInfo {
  const ref = branchRef(name);
  const id = resolveCommit(repo, start);
  const existing = repo.refs.resolve(ref);
  if (existing && !opts.force) {
    throw new ConflictError(`a branch named '${name}' already exists`, { data: { name, id: existing }, hint: 'pick another name, or use -f to move it' });
  }
  if (existing && currentBranch(repo) === name) {
    throw new ConflictError(`cannot move the checked-out branch '${name}'`, { data: { name }, hint: 'use `dv checkout` to move HEAD and the working tree together' });
  }
  repo.refs.update({ name: ref, new: id, expect: existing ?? null, message: existing ? `branch: reset to ${start}` : `branch: created from ${start}` });
  return { name, ref, id, current: currentBranch(repo) === name, remote: false, subject: subjectOf(repo, id) };
}

/**
 * Deletes branches, all or none. Refused for the checked-out branch and, unless
 * `force`, for a branch whose tip HEAD does not contain (its commits would be unreachable).
 */
export function deleteBranches(repo: Repository, names: string[], opts: { force?: boolean } = {}): Array<{ name: string; id: Oid }> {
  const current = currentBranch(repo);
  const head = repo.refs.resolve(HEAD);
  const plan = names.map((name) => {
    const ref = branchRef(name);
    const id = repo.refs.resolve(ref);
    if (!id) throw new NotFoundError(`branch '${name}' not found`, { data: { name }, hint: '`dv branch` lists the branches' });
    if (name === current) {
      throw new ConflictError(`cannot delete branch '${name}': it is checked out`, { data: { name }, hint: 'check out another branch first' });
    }
    if (!opts.force && !(head && isAncestor(repo, id, head))) {
      throw new ConflictError(`branch '${name}' is not fully merged into HEAD`, { data: { name, id }, hint: `delete it anyway with \`dv branch -D ${name}\`` });
    }
    return { name, ref, id };
  });
  repo.refs.updateMany(plan.map((p) => ({ name: p.ref, new: null, expect: p.id, message: 'branch: deleted' })));
  return plan.map(({ name, id }) => ({ name, id }));
}

/** Renames a branch in one transaction, moving HEAD along when it is the current one. */
export function renameBranch(repo: Repository, oldName: string, newName: string, opts: { force?: boolean } = {}): { old: string; name: string; id: Oid } {
  const oldRef = branchRef(oldName);
  const newRef = branchRef(newName);
  const id = repo.refs.resolve(oldRef);
  if (!id) throw new NotFoundError(`branch '${oldName}' not found`, { data: { name: oldName }, hint: '`dv branch` lists the branches' });
  if (oldRef === newRef) return { old: oldName, name: newName, id };
  const existing = repo.refs.resolve(newRef);
  if (existing && !opts.force) {
    throw new ConflictError(`a branch named '${newName}' already exists`, { data: { name: newName }, hint: 'pick another name, or use -M to overwrite it' });
  }
  if (existing && currentBranch(repo) === newName) {
    throw new ConflictError(`cannot overwrite the checked-out branch '${newName}'`, { data: { name: newName } });
  }
  const wasCurrent = currentBranch(repo) === oldName;
  const message = `branch: renamed ${oldName} to ${newName}`;
  // One LMDB transaction (the ref store's own transactions nest inside it): either every step lands or none.
  repo.env.root.transactionSync(() => {
    repo.refs.update({ name: newRef, new: id, expect: existing ?? null, message });
    if (wasCurrent) repo.refs.setSymbolic(HEAD, newRef, message);
    repo.refs.update({ name: oldRef, new: null, expect: id, message });
  });
  return { old: oldName, name: newName, id };
}

function subjectOf(repo: Repository, id: Oid): string {
  try {
    return repo.objects.readCommit(id).message.split('\n')[0] ?? '';
  } catch {
    return '';
  }
}

function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}
