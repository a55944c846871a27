import path from 'node:path';
import { ConflictError, NotFoundError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { flattenTree, resolveCommit, type TreeLeaf } from '../history/index.js';
import { HEAD, BRANCH_PREFIX, branchRef } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { withWriterLease } from '../store/index.js';
import { runWithLimit, toRepoPath, isUnder, type RepoPath } from '../util/index.js';
import { hashWorktreeFile } from './content-id.js';
import type { IndexEntry } from './index-entry.js';
import { writeIndex } from './index-store.js';
import { FILES_IN_FLIGHT, Materializer } from './materialize.js';
import type { PreparedContent } from './prepared-content.js';
import { indexEntryOf } from './scan.js';
import { compareWorktree } from './status.js';

export interface CheckoutOptions {
  /** Revision to check out (default HEAD). */
  rev?: string;
  /** Create this branch at the revision and switch to it. */
  newBranch?: string;
  /** Discard local changes that would be overwritten. */
  force?: boolean;
  /** Detach HEAD even when `rev` names a branch. */
  detach?: boolean;
  /** Restore only these paths (as given on the command line); HEAD does not move. */
  paths?: string[];
  cwd?: string;
  onStart?: (totalBytes: number) => void;
  onBytes?: (n: number) => void;
  /** Brings content the store lacks (a partial clone fetches it from its remote) before anything is written. */
  fetchMissing?: (ids: Oid[]) => Promise<void>;
  /** Content already written out and verified (by a clone as it received it), moved into place instead of decoded. */
  prepared?: PreparedContent;
}

export interface CheckoutConflict { path: RepoPath; reason: string }

/** Everything checkout will do, decided before it writes anything. */
export interface CheckoutPlan {
  target: Oid;
  /** Where HEAD goes: a branch ref to attach to, a detached commit, or nowhere (path checkout). */
  head: { attach: string; create: boolean } | { detach: Oid } | null;
  writes: TreeLeaf[];
  deletes: RepoPath[];
  /** The index after checkout, for the paths the plan touches (all paths unless partial). */
  index: Map<RepoPath, TreeLeaf | IndexEntry>;
  partial: boolean;
  conflicts: CheckoutConflict[];
}

export interface CheckoutResult {
  target: Oid;
  branch: string | null;
  detached: boolean;
  written: number;
  deleted: number;
}

/** Decides what checking out a revision (or some paths of it) does, and what it would overwrite. */
export function planCheckout(repo: Repository, opts: CheckoutOptions): CheckoutPlan {
  const root = repo.worktree();
  const rev = opts.rev ?? HEAD;
  const target = resolveCommit(repo, rev);
  const targetTree = flattenTree(repo.objects, repo.objects.readCommit(target).tree);
  const headOid = repo.refs.resolve(HEAD) ?? null;
  const headTree = flattenTree(repo.objects, headOid ? repo.objects.readCommit(headOid).tree : null);
  const cmp = compareWorktree(repo);
  const conflicts: CheckoutConflict[] = [];
  const writes: TreeLeaf[] = [];
  const deletes: RepoPath[] = [];
  const index = new Map<RepoPath, TreeLeaf | IndexEntry>();

  /** The content currently in the working tree at p, or null when absent. */
  const deleted = new Set(cmp.deleted);
  const current = (p: RepoPath): { id: Oid; kind: string } | null => {
    const e = cmp.index.get(p);
    if (e) return deleted.has(p) ? null : cmp.modified.get(p) ?? e;
    const st = cmp.untracked.get(p);
    return st ? { id: hashWorktreeFile(path.join(root, p), st.kind, p), kind: st.kind } : null;
  };
  const same = (a: { id: Oid; kind: string } | null | undefined, b: { id: Oid; kind: string } | null | undefined) =>
    (!a && !b) || (!!a && !!b && a.id === b.id && a.kind === b.kind);
  const locallyChanged = (p: RepoPath) => !same(cmp.index.get(p), headTree.get(p)) || cmp.modified.has(p) || deleted.has(p);

  if (opts.paths && opts.paths.length > 0) {
    const prefixes = opts.paths.map((u) => toRepoPath(root, opts.cwd ?? root, u));
    for (const pre of prefixes) {
      const leaves = [...targetTree.values()].filter((l) => isUnder(l.path, pre));
      if (leaves.length === 0) throw new NotFoundError(`path '${pre}' does not exist in ${rev}`, { data: { path: pre, rev } });
      for (const leaf of leaves) {
        const cur = current(leaf.path);
        if (same(cur, leaf)) { index.set(leaf.path, leaf); continue; }
        const dirty = cmp.modified.has(leaf.path) || cmp.untracked.has(leaf.path);
        if (dirty && !opts.force) conflicts.push({ path: leaf.path, reason: 'has uncommitted changes' });
        writes.push(leaf);
        index.set(leaf.path, leaf);
      }
    }
    return { target, head: null, writes, deletes, index, partial: true, conflicts };
  }

  const all = new Set<RepoPath>([...headTree.keys(), ...targetTree.keys(), ...cmp.index.keys()]);
  for (const p of all) {
    const t = targetTree.get(p);
    const h = headTree.get(p);
    const local = locallyChanged(p);
    if (same(t, h) && local && !opts.force) {
      // Untouched by the switch: local changes carry over, staged entry included.
      const e = cmp.index.get(p);
      if (e) index.set(p, e);
      continue;
    }
    const cur = current(p);
    if (!t) {
      if (cur && local && !opts.force) { conflicts.push({ path: p, reason: 'has uncommitted changes and would be deleted' }); continue; }
      if (cur) deletes.push(p);
      continue;
    }
    index.set(p, t);
    if (same(cur, t)) continue;
    if (local && !opts.force) { conflicts.push({ path: p, reason: 'has uncommitted changes that would be overwritten' }); continue; }
    writes.push(t);
  }
  for (const p of cmp.untracked.keys()) {
    const t = targetTree.get(p);
    if (t && !opts.force && !same(current(p), t)) conflicts.push({ path: p, reason: 'is untracked and would be overwritten' });
  }

  let head: CheckoutPlan['head'];
  if (opts.newBranch) {
    const ref = branchRef(opts.newBranch);
    if (repo.refs.resolve(ref)) throw new ConflictError(`branch '${opts.newBranch}' already exists`, { hint: `switch to it with \`dv checkout ${opts.newBranch}\`` });
    head = { attach: ref, create: true };
  } else if (!opts.detach && repo.refs.resolve(BRANCH_PREFIX + rev)) {
    head = { attach: BRANCH_PREFIX + rev, create: false };
  } else {
    head = { detach: target };
  }
  return { target, head, writes, deletes, index, partial: false, conflicts };
}

/** Carries out a conflict-free plan: files, then the index, then HEAD. */
export async function applyCheckout(repo: Repository, plan: CheckoutPlan, opts: Pick<CheckoutOptions, 'onStart' | 'onBytes' | 'prepared'> = {}): Promise<CheckoutResult> {
  const root = repo.worktree();
  opts.prepared?.expectUses(plan.writes.map((l) => l.id));
  const m = new Materializer(repo.objects, root, opts.prepared);
  opts.onStart?.(plan.writes.reduce((s, l) => s + l.size, 0));
  await withWriterLease(repo.env, async () => {
    for (const p of plan.deletes) m.remove(p);
    const put = new Map<RepoPath, IndexEntry>();
    // Several large files at once keep the native threads busy across file boundaries.
    await runWithLimit(plan.writes, FILES_IN_FLIGHT, async (leaf) => {
      const st = await m.writeAsync(leaf, opts.onBytes);
      put.set(leaf.path, indexEntryOf(leaf, st));
    });
    let carried = false;
    for (const [p, e] of plan.index) {
      if (put.has(p)) continue;
      if ('mtime' in e) { put.set(p, e); carried = true; continue; }
      // Unchanged file: keep the stat data it already has in the index if the content matches.
      const st = m.statIfPresent(p);
      if (st) put.set(p, indexEntryOf(e, st));
    }
    // A full checkout without carried-over staged entries leaves the index equal to the target tree.
    const tree = !plan.partial && !carried ? repo.objects.readCommit(plan.target).tree : undefined;
    writeIndex(repo, { put, remove: new Set(plan.deletes), replaceAll: !plan.partial, tree });
  });
  const head = plan.head;
  let branch: string | null = null;
  if (head && 'attach' in head) {
    if (head.create) repo.refs.update({ name: head.attach, new: plan.target, expect: null, message: `branch: created from ${plan.target}` });
    repo.refs.setSymbolic(HEAD, head.attach, `checkout: moving to ${head.attach.slice(BRANCH_PREFIX.length)}`);
    branch = head.attach.slice(BRANCH_PREFIX.length);
  } else if (head && 'detach' in head) {
    repo.refs.setDetached(HEAD, head.detach, `checkout: moving to ${head.detach}`);
  } else {
    const name = repo.refs.resolveName(HEAD);
    branch = name.startsWith(BRANCH_PREFIX) ? name.slice(BRANCH_PREFIX.length) : null;
  }
  return { target: plan.target, branch, detached: !!head && 'detach' in head, written: plan.writes.length, deleted: plan.deletes.length };
}

/** Plans, refuses on conflicts (unless forced), then applies. */
export async function checkout(repo: Repository, opts: CheckoutOptions): Promise<CheckoutResult> {
  const plan = planCheckout(repo, opts);
  if (plan.conflicts.length > 0) {
    const first = plan.conflicts.slice(0, 5).map((c) => `${c.path} ${c.reason}`).join('; ');
    const more = plan.conflicts.length > 5 ? ` (and ${plan.conflicts.length - 5} more)` : '';
    throw new ConflictError(`checkout would overwrite local changes: ${first}${more}`, {
      data: { conflicts: plan.conflicts },
      hint: 'commit them (`dv add` + `dv commit`), or use --force to discard them',
    });
  }
  await fetchMissingContent(repo, plan, opts.fetchMissing);
  return applyCheckout(repo, plan, opts);
}

/** Asks `fetchMissing` for the content a plan writes that the store does not hold. */
export async function fetchMissingContent(repo: Repository, plan: CheckoutPlan, fetchMissing: CheckoutOptions['fetchMissing']): Promise<void> {
  if (!fetchMissing) return;
  const missing = [...new Set(plan.writes.map((l) => l.id))].filter((id) => !repo.objects.has(id));
  if (missing.length > 0) await fetchMissing(missing);
}
