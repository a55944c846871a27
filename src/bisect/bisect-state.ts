import { ConflictError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';

/** Config key holding the bisection in progress (one key, so each update is atomic). */
export const BISECT_STATE_KEY = 'bisect.state';

/** A verdict on a commit. */
export type BisectVerdict = 'good' | 'bad' | 'skip';

/** One step of `dv bisect log`. */
export interface BisectLogEntry {
  action: 'start' | BisectVerdict;
  commit: Oid;
  subject: string;
  /** For start: the good commits given. */
  good?: Oid[];
}

/** A bisection in progress, persisted in the repository's config database. */
export interface BisectState {
  /** Where `reset` returns: the branch HEAD was on, else the detached commit. */
  origin: { branch: string | null; commit: Oid };
  bad: Oid;
  good: Oid[];
  skip: Oid[];
  log: BisectLogEntry[];
}

/** The bisection in progress, or undefined. */
export function readBisectState(repo: Repository): BisectState | undefined {
  return repo.getConfig<BisectState>(BISECT_STATE_KEY);
}

/** The bisection in progress; ConflictError when there is none. */
export function requireBisectState(repo: Repository): BisectState {
  const s = readBisectState(repo);
  if (!s) throw new ConflictError('no bisect in progress', { hint: 'start one with `dv bisect start BAD GOOD`' });
  return s;
}

/** Stores (or with undefined, clears) the bisection state. */
export function writeBisectState(repo: Repository, state: BisectState | undefined): void {
  repo.setConfig(BISECT_STATE_KEY, state);
}
