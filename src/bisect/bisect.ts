import { ConflictError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { resolveCommit } from '../history/index.js';
import { BRANCH_PREFIX, HEAD } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { checkout } from '../worktree/index.js';
import {
  readBisectState, requireBisectState, writeBisectState,
  type BisectLogEntry, type BisectState, type BisectVerdict,
} from './bisect-state.js';
import { describeFirstBad, subjectOf, type FirstBadCommit } from './first-bad.js';
import { loadBisectGraph } from './load-graph.js';
import { planBisect, type BisectPlan } from './plan-bisect.js';

/** Where a bisection stands after a step. */
export type BisectStatus =
  /** `commit` is checked out for testing; `candidates` commits may still be the first bad one. */
  | { state: 'testing'; commit: Oid; subject: string; candidates: number; steps: number }
  | { state: 'found'; firstBad: FirstBadCommit }
  /** Only skipped commits are left; the first bad commit is one of these. */
  | { state: 'only-skipped'; candidates: Array<{ id: Oid; subject: string }> };

/**
 * Starts a bisection between a bad commit and one or more good ones, remembering where
 * HEAD was, and checks out the first commit to test. Refuses while one is in progress.
 */
export async function startBisect(repo: Repository, opts: { bad: string; good: string[] }): Promise<BisectStatus> {
  repo.worktree();
  if (readBisectState(repo)) {
    throw new ConflictError('a bisect is already in progress', { hint: 'finish it with `dv bisect reset` first' });
  }
  const bad = resolveCommit(repo, opts.bad);
  const good = [...new Set(opts.good.map((g) => resolveCommit(repo, g)))];
  const headName = repo.refs.resolveName(HEAD);
  const headCommit = repo.refs.resolve(HEAD);
  if (!headCommit) throw new ConflictError('HEAD has no commit yet, so there is nowhere to return to after bisecting');
  const state: BisectState = {
    origin: { branch: headName.startsWith(BRANCH_PREFIX) ? headName.slice(BRANCH_PREFIX.length) : null, commit: headCommit },
    bad, good, skip: [],
    log: [{ action: 'start', commit: bad, subject: subjectOf(repo.objects.readCommit(bad).message), good }],
  };
  return advance(repo, state);
}

/**
 * Records a verdict on a commit (default: HEAD), then checks out the next commit to test
 * or reports the first bad commit. Nothing is recorded if the checkout is refused.
 */
export async function markBisect(repo: Repository, verdict: BisectVerdict, rev = HEAD): Promise<BisectStatus> {
  const prev = requireBisectState(repo);
  const commit = resolveCommit(repo, rev);
  const state: BisectState = {
    ...prev,
    bad: verdict === 'bad' ? commit : prev.bad,
    good: verdict === 'good' && !prev.good.includes(commit) ? [...prev.good, commit] : prev.good,
    skip: verdict === 'skip' && !prev.skip.includes(commit) ? [...prev.skip, commit] : prev.skip,
    log: [...prev.log, { action: verdict, commit, subject: subjectOf(repo.objects.readCommit(commit).message) }],
  };
  return advance(repo, state);
}

/** Plans the next step from a state; pure apart from reading commits. */
export function planFromState(repo: Repository, state: BisectState): BisectPlan {
  const graph = loadBisectGraph(repo.objects, [state.bad, ...state.good]);
  return planBisect(graph, state.good, state.bad, state.skip);
}

/** Plan, then apply: check out the next candidate (if any), and only then save the state. */
async function advance(repo: Repository, state: BisectState): Promise<BisectStatus> {
  const plan = planFromState(repo, state);
  if (plan.kind === 'test') await checkout(repo, { rev: plan.commit, detach: true });
  writeBisectState(repo, state);
  return statusOf(repo, plan);
}

/** The status a plan means, with subjects and the first bad commit's description. */
export function statusOf(repo: Repository, plan: BisectPlan): BisectStatus {
  const subject = (id: Oid) => subjectOf(repo.objects.readCommit(id).message);
  switch (plan.kind) {
    case 'test': return { state: 'testing', commit: plan.commit, subject: subject(plan.commit), candidates: plan.candidates, steps: plan.steps };
    case 'found': return { state: 'found', firstBad: describeFirstBad(repo, plan.commit) };
    case 'only-skipped': return { state: 'only-skipped', candidates: plan.candidates.map((id) => ({ id, subject: subject(id) })) };
  }
}

/** The steps so far and where the bisection stands (nothing is checked out). */
export function bisectLog(repo: Repository): { log: BisectLogEntry[]; status: BisectStatus } {
  const state = requireBisectState(repo);
  return { log: state.log, status: statusOf(repo, planFromState(repo, state)) };
}

/** What `reset` did. */
export interface BisectResetResult {
  /** False when no bisection was in progress. */
  reset: boolean;
  branch: string | null;
  commit: Oid | null;
}

/**
 * Ends the bisection: checks out the branch (or detached commit) HEAD was on when it
 * started, then forgets the state. If the checkout is refused, the bisection stays.
 */
export async function resetBisect(repo: Repository): Promise<BisectResetResult> {
  const state = readBisectState(repo);
  if (!state) return { reset: false, branch: null, commit: null };
  const { branch, commit } = state.origin;
  const onBranch = branch !== null && repo.refs.resolve(BRANCH_PREFIX + branch) !== undefined;
  const result = await checkout(repo, onBranch ? { rev: branch } : { rev: commit, detach: true });
  writeBisectState(repo, undefined);
  return { reset: true, branch: onBranch ? branch : null, commit: result.target };
}
