import type { Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import { fetchObjects } from './fetch-objects.js';
import { openTransport } from './open-transport.js';
import { listRemotes } from './remote-config.js';

/**
 * For a partial clone, the function a checkout calls to bring the content it is about to
 * write from the remote it was cloned from (origin, or the one partial remote); undefined
 * for a complete repository.
 */
export function missingContentFetcher(repo: Repository, opts: { token?: string } = {}): ((ids: Oid[]) => Promise<void>) | undefined {
  const partial = listRemotes(repo).filter((r) => r.partial);
  const remote = partial.find((r) => r.name === 'origin') ?? partial[0];
  if (!remote) return undefined;
  return async (ids) => {
    const transport = await openTransport(remote.url, { token: opts.token });
    try {
      await fetchObjects(repo, transport, ids);
    } finally {
      await transport.close();
    }
  };
}
