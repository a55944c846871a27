import type { Repository } from '../repo/index.js';
import { OutputCache, type OutputCacheRemoval } from './output-cache.js';
import { cachedOutputIds } from './run-cache.js';

/**
 * `dv gc`'s part for the output cache: removes the entries no cached run can restore any
 * more, entries whose file no longer matches its record, files without a record and the
 * temporary files of dead processes. With `dryRun`, only counts them.
 */
export function pruneOutputCache(repo: Repository, opts: { dryRun?: boolean } = {}): OutputCacheRemoval {
  return new OutputCache(repo).prune(cachedOutputIds(repo), opts);
}
