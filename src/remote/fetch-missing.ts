import type { Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import { withWriterLease } from '../store/index.js';
import { fetchObjects } from './fetch-objects.js';
import { openTransport } from './open-transport.js';
import { listRemotes } from './remote-config.js';
import type { TransferEvents } from './transport.js';

/**
 * For a partial clone, the function a checkout calls to bring the content it is about to
 * write from the remote it was cloned from (origin, or the one partial remote); undefined
 * for a complete repository. `progress` (given here or per call) is told of the objects
 * as they arrive.
 */
export function missingContentFetcher(repo: Repository, opts: { token?: string; progress?: TransferEvents } = {}): ((ids: Oid[], progress?: TransferEvents) => Promise<void>) | undefined {
  const partial = listRemotes(repo).filter((r) => r.partial);
  const remote = partial.find((r) => r.name === 'origin') ?? partial[0];
  if (!remote) return undefined;
  return async (ids, progress = opts.progress) => {
    const transport = await openTransport(remote.url, { token: opts.token });
    try {
      await withWriterLease(repo.env, () => fetchObjects(repo, transport, ids, { progress }));
    } finally {
      await transport.close();
    }
  };
}
