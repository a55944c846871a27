import { ConflictError } from '../errors/index.js';
import type { Repository } from '../repo/index.js';
import { withExclusiveLock } from '../store/index.js';

/** The lock `dv repro` and `dv run` hold: stages of one repository never run in two processes at once. */
export const PIPELINE_LOCK = 'pipeline';

/**
 * Runs `fn` holding the pipeline lock of the repository. Two repros at once would move
 * each other's outputs aside, store half-written files and race on the output cache, so
 * a second one is refused at once (ConflictError naming the process that holds the lock)
 * and changes nothing. A lock left by a process that died is taken over.
 */
export function withPipelineLock<T>(repo: Repository, fn: () => Promise<T> | T): Promise<T> {
  return withExclusiveLock(repo.env, PIPELINE_LOCK, fn, (holder) => new ConflictError(
    `another dv repro or run is running in this repository (pid ${holder.pid}, since ${new Date(holder.since).toLocaleTimeString()})`,
    { data: { pid: holder.pid, since: holder.since }, hint: 'wait for it to finish, then run this again' },
  ));
}
