import type { Oid } from '../hash/index.js';
import { BRANCH_PREFIX, REMOTE_PREFIX, TAG_PREFIX } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { withWriterLease } from '../store/index.js';
import type { CheckoutTap } from './checkout-tap.js';
import { fetchObjects } from './fetch-objects.js';
import { openTransport } from './open-transport.js';
import { readRemote, requireRemote, type RemoteConfig } from './remote-config.js';
import { bundleRemote } from './bundle/index.js';
import type { RemoteRefs, TransferEvents, Transport } from './transport.js';

export interface FetchOptions {
  remote?: string;
  token?: string;
  /** Told of the objects as they arrive. */
  progress?: TransferEvents;
  /** Given the remote's refs, the tap (if any) that writes one commit's files out as they arrive (a pull's). */
  tapFor?: (refs: ReadonlyMap<string, Oid>) => CheckoutTap | undefined;
}

export interface FetchedRef { ref: string; local: string; old: Oid | null; new: Oid | null }

export interface FetchResult {
  remote: string;
  url: string;
  /** Remote-tracking refs (and new tags) that changed. */
  updated: FetchedRef[];
  /** Tags the remote has under a name that already names something else here (kept as they are). */
  tagsKept: string[];
  objects: number;
  bytes: number;
  head: string | null;
}

/**
 * Fetches a remote's (or a bundle file's) branches into refs/remotes/NAME/… and its new tags: objects first,
 * then every ref in one compare-and-swap transaction, so an interrupted fetch changes no
 * ref. Branches deleted on the remote lose their remote-tracking ref.
 */
export async function fetchRemote(repo: Repository, opts: FetchOptions = {}): Promise<FetchResult> {
  const name = opts.remote ?? 'origin';
  const remote = readRemote(repo, name) ?? bundleRemote(name) ?? requireRemote(repo, name);
  const transport = await openTransport(remote.url, { token: opts.token, receiver: repo.objects });
  try {
    return await fetchFrom(repo, transport, remote, { progress: opts.progress, tapFor: opts.tapFor });
  } finally {
    await transport.close();
  }
}

/** Fetches over an open transport (see fetchRemote). */
export async function fetchFrom(
  repo: Repository, transport: Transport, remote: RemoteConfig,
  opts: Pick<FetchOptions, 'progress' | 'tapFor'> & { tap?: CheckoutTap; listed?: RemoteRefs } = {},
): Promise<FetchResult> {
  // A clone has just listed them: asking again would cost a round trip.
  const { refs, head } = opts.listed ?? await transport.listRefs();
  const tap = opts.tap ?? opts.tapFor?.(refs);
  const prefix = `${REMOTE_PREFIX}${remote.name}/`;
  const updated: FetchedRef[] = [];
  const tagsKept: string[] = [];
  const current = new Map(repo.refs.list(prefix).map((r) => [r.name, r.oid] as const));
  for (const [ref, id] of refs) {
    if (ref.startsWith(BRANCH_PREFIX)) {
      const local = prefix + ref.slice(BRANCH_PREFIX.length);
      const old = current.get(local) ?? null;
      current.delete(local);
      if (old !== id) updated.push({ ref, local, old, new: id });
    } else if (ref.startsWith(TAG_PREFIX)) {
      const old = repo.refs.resolve(ref) ?? null;
      if (old === null) updated.push({ ref, local: ref, old, new: id });
      else if (old !== id) tagsKept.push(ref.slice(TAG_PREFIX.length));
    }
  }
  for (const [local, old] of current) updated.push({ ref: BRANCH_PREFIX + local.slice(prefix.length), local, old, new: null });
  const tips = [...new Set(updated.flatMap((u) => (u.new ? [u.new] : [])))];
  const known = [...repo.refs.list('refs/').map((r) => r.oid)].filter((id) => repo.objects.has(id));
  // gc keeps off while objects arrive that no ref reaches yet, until the refs reach them.
  const got = await withWriterLease(repo.env, async () => {
    const r = await fetchObjects(repo, transport, tips, { known, partial: remote.partial, tap, progress: opts.progress });
    if (updated.length > 0) {
      repo.refs.updateMany(updated.map((u) => ({ name: u.local, new: u.new, expect: u.old, message: `fetch ${remote.name}` })));
    }
    return r;
  });
  return { remote: remote.name, url: remote.url, updated, tagsKept, objects: got.objects, bytes: got.bytes, head };
}
