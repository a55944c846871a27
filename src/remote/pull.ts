import path from 'node:path';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { isAncestor } from '../history/index.js';
import { BRANCH_PREFIX, HEAD, REMOTE_PREFIX } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { applyCheckout, fetchMissingContent, planCheckout, PreparedContent } from '../worktree/index.js';
import { CheckoutTap } from './checkout-tap.js';
import { fetchRemote, type FetchResult } from './fetch.js';
import { missingContentFetcher } from './fetch-missing.js';
import type { TransferEvents } from './transport.js';

export interface PullOptions {
  remote?: string;
  branch?: string;
  token?: string;
  /** Told of the objects as they arrive. */
  progress?: TransferEvents;
}

export interface PullResult {
  fetch: FetchResult;
  branch: string;
  old: Oid | null;
  new: Oid;
  status: 'up-to-date' | 'fast-forward';
  written: number;
  deleted: number;
}

/**
 * Fetches, then fast-forwards the current branch (and the working tree) to the remote's
 * BRANCH (default: the branch of the same name). Diverged histories are refused with
 * what to do; local changes that the update would overwrite are refused as in checkout.
 */
export async function pull(repo: Repository, opts: PullOptions = {}): Promise<PullResult> {
  const current = repo.refs.resolveName(HEAD);
  if (!current.startsWith(BRANCH_PREFIX)) throw new InvalidInputError('HEAD is detached: check out a branch to pull into', { hint: 'dv checkout main' });
  // The branch's new files are written out as they arrive and verify; the checkout moves them into place.
  const prepared = repo.root === null ? undefined : new PreparedContent(path.join(repo.dvDir, 'tmp', `pull-${process.pid}`));
  try {
    return await pullInto(repo, current, prepared, opts);
  } finally {
    prepared?.dispose();
  }
}

async function pullInto(repo: Repository, current: string, prepared: PreparedContent | undefined, opts: PullOptions): Promise<PullResult> {
  const local = current.slice(BRANCH_PREFIX.length);
  const remoteBranch = opts.branch ?? local;
  const tapFor = prepared && ((refs: ReadonlyMap<string, Oid>) => {
    const tip = refs.get(BRANCH_PREFIX + remoteBranch);
    return tip ? new CheckoutTap(tip, prepared) : undefined;
  });
  const fetched = await fetchRemote(repo, { remote: opts.remote, token: opts.token, progress: opts.progress, tapFor });
  const trackingName = `${REMOTE_PREFIX}${fetched.remote}/${remoteBranch}`;
  const theirs = repo.refs.resolve(trackingName);
  if (!theirs) throw new NotFoundError(`the remote ${fetched.remote} has no branch '${remoteBranch}'`, { data: { branch: remoteBranch } });
  const ours = repo.refs.resolve(current) ?? null;
  const base = { fetch: fetched, branch: local, old: ours, new: theirs };
  if (ours === theirs || (ours !== null && isAncestor(repo, theirs, ours))) return { ...base, new: ours ?? theirs, status: 'up-to-date', written: 0, deleted: 0 };
  if (ours !== null && !isAncestor(repo, ours, theirs)) {
    const short = `${fetched.remote}/${remoteBranch}`;
    throw new ConflictError(`${local} and ${short} have diverged: each has commits the other lacks, and pull only fast-forwards`, {
      data: { ours, theirs },
      hint: `dv has no merge: save your commits with \`dv branch ${local}-mine\`, then \`dv checkout --detach ${short}\`, \`dv branch -f ${local} ${short}\` and \`dv checkout ${local}\`, and redo your change on top`,
    });
  }
  const plan = planCheckout(repo, { rev: theirs });
  if (plan.conflicts.length > 0) {
    const first = plan.conflicts.slice(0, 5).map((c) => `${c.path} ${c.reason}`).join('; ');
    throw new ConflictError(`pull would overwrite local changes: ${first}`, {
      data: { conflicts: plan.conflicts },
      hint: 'commit them (`dv add` + `dv commit`) first, or discard them with `dv checkout --force`',
    });
  }
  await fetchMissingContent(repo, plan, missingContentFetcher(repo, { token: opts.token, progress: opts.progress }));
  await prepared?.settled();
  // The branch moves, HEAD stays on it: apply the files, then compare-and-swap the branch.
  const applied = await applyCheckout(repo, { ...plan, head: null }, { prepared });
  repo.refs.update({ name: current, new: theirs, expect: ours, message: `pull: fast-forward to ${fetched.remote}/${remoteBranch}` });
  return { ...base, status: 'fast-forward', written: applied.written, deleted: applied.deleted };
}
