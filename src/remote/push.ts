import { ConflictError, InvalidInputError, NotFoundError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { isAncestor } from '../history/index.js';
import { BRANCH_PREFIX, HEAD, REMOTE_PREFIX, TAG_PREFIX, branchRef, tagRef } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { collectObjects } from './collect-objects.js';
import { openTransport } from './open-transport.js';
import { readWireObjects } from './path-transport.js';
import { requireRemote } from './remote-config.js';
import { storeSource } from './store-source.js';
import type { RefUpdate, TransferEvents, Transport } from './transport.js';

export interface PushOptions {
  /** Remote name (default origin). */
  remote?: string;
  /** Branches to push (default: the current branch). */
  branches?: string[];
  /** Also push every tag. */
  tags?: boolean;
  /** Allow updates that are not fast-forwards (and moved tags). */
  force?: boolean;
  /** Delete `branches` (or tags of those names) on the remote instead of pushing them. */
  delete?: boolean;
  /** Decide and negotiate as a push would, then send nothing and move no ref (here or there). */
  dryRun?: boolean;
  token?: string;
  /** Told of the objects as they are sent. */
  progress?: TransferEvents;
}

export type PushStatus = 'up-to-date' | 'created' | 'fast-forward' | 'forced' | 'deleted';

/** A ref the push updated (`new` null: deleted on the remote). */
export interface PushedRef { ref: string; old: Oid | null; new: Oid | null; status: PushStatus }

export interface PushResult {
  remote: string;
  url: string;
  refs: PushedRef[];
  /** Objects and stored payload bytes sent (with `dryRun`: that would be sent). */
  objects: number;
  bytes: number;
  /** Nothing was sent and no ref moved. */
  dryRun: boolean;
  /** "have?" questions asked, in how many requests, and how long deciding what to send took. */
  asked: number;
  requests: number;
  negotiationMs: number;
}

/**
 * Pushes branches (and tags): decides every ref update first and refuses them all when
 * one is not a fast-forward (unless forced); then sends the objects the remote lacks,
 * and only then moves the remote's refs by compare-and-swap, so an interrupted push
 * leaves them as they were. Remote-tracking refs follow.
 */
export async function push(repo: Repository, opts: PushOptions = {}): Promise<PushResult> {
  const remote = requireRemote(repo, opts.remote ?? 'origin');
  const transport = await openTransport(remote.url, { token: opts.token });
  try {
    const result = await pushTo(repo, transport, opts);
    const tracking = result.dryRun ? [] : result.refs.filter((r) => r.ref.startsWith(BRANCH_PREFIX) && r.status !== 'up-to-date');
    if (tracking.length > 0) {
      repo.refs.updateMany(tracking.map((r) => ({
        name: `${REMOTE_PREFIX}${remote.name}/${r.ref.slice(BRANCH_PREFIX.length)}`, new: r.new, message: r.new ? 'push' : 'push: delete',
      })));
    }
    return { remote: remote.name, url: remote.url, ...result };
  } finally {
    await transport.close();
  }
}

/** Pushes over an open transport (see push). */
export async function pushTo(repo: Repository, transport: Transport, opts: PushOptions = {}): Promise<Omit<PushResult, 'remote' | 'url'>> {
  if (opts.delete) return deleteRemoteRefs(transport, opts);
  const local = localRefsToPush(repo, opts);
  const { refs: remoteRefs } = await transport.listRefs();
  const planned: PushedRef[] = [];
  const rejected: string[] = [];
  for (const [ref, id] of local) {
    const old = remoteRefs.get(ref) ?? null;
    if (old === id) { planned.push({ ref, old, new: id, status: 'up-to-date' }); continue; }
    if (old === null) { planned.push({ ref, old, new: id, status: 'created' }); continue; }
    const ff = ref.startsWith(BRANCH_PREFIX) && repo.objects.kindOf(old) === 'commit' && isAncestor(repo, old, id);
    if (ff) planned.push({ ref, old, new: id, status: 'fast-forward' });
    else if (opts.force) planned.push({ ref, old, new: id, status: 'forced' });
    else rejected.push(ref);
  }
  if (rejected.length > 0) {
    const names = rejected.map(shortName).join(', ');
    throw new ConflictError(`push rejected: ${names} on the remote ${rejected.length > 1 ? 'are' : 'is'} not an ancestor of what you push (not a fast-forward)`, {
      data: { refs: rejected },
      hint: rejected.some((r) => r.startsWith(TAG_PREFIX))
        ? 'the remote has a different tag of that name; use --force to replace it'
        : 'run `dv pull` to bring in the remote\'s commits first, or use --force to overwrite them',
    });
  }
  const moving = planned.filter((p): p is PushedRef & { new: Oid } => p.status !== 'up-to-date');
  const known = [...remoteRefs.values()].filter((id) => repo.objects.has(id));
  const started = performance.now();
  const collected = await collectObjects({ source: storeSource(repo.objects), has: (ids) => transport.hasObjects(ids), tips: moving.map((p) => p.new), known });
  const negotiationMs = Math.round(performance.now() - started);
  const summary = { refs: planned, objects: collected.ids.length, asked: collected.asked, requests: collected.calls, negotiationMs };
  if (opts.dryRun) {
    const bytes = collected.ids.reduce((n, id) => n + (repo.objects.locatePayload(id)?.length ?? 0), 0);
    return { ...summary, bytes, dryRun: true };
  }
  opts.progress?.expect?.(collected.ids.length);
  const sending = readWireObjects(repo, collected.ids, opts.progress);
  if (collected.ids.length > 0) await transport.putObjects(sending);
  const bytes = sending.bytes;
  if (moving.length > 0) await updateRemoteRefs(transport, moving.map((p) => ({ name: p.ref, old: p.old, new: p.new })), 'your push is not a fast-forward of what is there now');
  return { ...summary, bytes, dryRun: false };
}

/**
 * Moves the remote's refs by compare-and-swap; a stale one (another push got there first)
 * says what it found, and `stale` what that means for this push.
 */
async function updateRemoteRefs(transport: Transport, updates: RefUpdate[], stale: string): Promise<void> {
  try {
    await transport.updateRefs(updates);
  } catch (err) {
    if (err instanceof ConflictError && 'found' in err.data) {
      throw new ConflictError(`push rejected: ${err.message}; ${stale}`, {
        data: err.data,
        hint: 'run `dv pull` to bring in the new commits, then push again',
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * Deletes branches (or, where no branch has the name, tags) on the remote, all or none,
 * each by compare-and-swap against the id it has now.
 */
async function deleteRemoteRefs(transport: Transport, opts: PushOptions): Promise<Omit<PushResult, 'remote' | 'url'>> {
  const names = opts.branches ?? [];
  if (names.length === 0) throw new InvalidInputError('name the branches to delete on the remote', { hint: 'dv push origin --delete BRANCH' });
  if (opts.tags) throw new InvalidInputError('--delete takes branch or tag names, not --tags');
  const { refs: remoteRefs } = await transport.listRefs();
  const planned: PushedRef[] = names.map((b) => {
    const candidates = b.startsWith(BRANCH_PREFIX) || b.startsWith(TAG_PREFIX) ? [b] : [branchRef(b), tagRef(b)];
    const ref = candidates.find((r) => remoteRefs.has(r));
    if (!ref) throw new NotFoundError(`the remote has no branch or tag '${b}' to delete`, { data: { branch: b } });
    return { ref, old: remoteRefs.get(ref)!, new: null, status: 'deleted' };
  });
  if (!opts.dryRun) await updateRemoteRefs(transport, planned.map((p) => ({ name: p.ref, old: p.old, new: null })), 'nothing was deleted; fetch to see what is there now');
  return { refs: planned, objects: 0, bytes: 0, asked: 0, requests: 0, negotiationMs: 0, dryRun: !!opts.dryRun };
}

/** The full ref names and ids this push offers. */
function localRefsToPush(repo: Repository, opts: PushOptions): Map<string, Oid> {
  const out = new Map<string, Oid>();
  let branches = opts.branches ?? [];
  if (branches.length === 0 && !opts.tags) {
    const cur = repo.refs.resolveName(HEAD);
    if (!cur.startsWith(BRANCH_PREFIX)) throw new InvalidInputError('HEAD is detached: name the branch to push', { hint: 'dv push origin BRANCH' });
    branches = [cur.slice(BRANCH_PREFIX.length)];
  }
  for (const b of branches) {
    const ref = b.startsWith(BRANCH_PREFIX) ? b : branchRef(b);
    const id = repo.refs.resolve(ref);
    if (!id) {
      const tag = b.startsWith(TAG_PREFIX) ? b : tagRef(b);
      const tid = repo.refs.resolve(tag);
      if (!tid) throw new NotFoundError(`there is no branch '${b}' to push`, { data: { branch: b } });
      out.set(tag, tid);
      continue;
    }
    out.set(ref, id);
  }
  if (opts.tags) for (const t of repo.refs.list(TAG_PREFIX)) out.set(t.name, t.oid);
  return out;
}

function shortName(ref: string): string {
  return ref.startsWith(BRANCH_PREFIX) ? ref.slice(BRANCH_PREFIX.length) : ref.startsWith(TAG_PREFIX) ? `tag ${ref.slice(TAG_PREFIX.length)}` : ref;
}
