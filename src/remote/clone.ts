import fs from 'node:fs';
import path from 'node:path';
import { ConflictError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { BRANCH_PREFIX, HEAD, REMOTE_PREFIX } from '../refs/index.js';
import { DEFAULT_BRANCH, initRepository, type Repository } from '../repo/index.js';
import { exitCleanlyOnInterrupt } from '../util/index.js';
import { checkout, PreparedContent } from '../worktree/index.js';
import { CheckoutTap } from './checkout-tap.js';
import { fetchFrom } from './fetch.js';
import { openTransport } from './open-transport.js';
import { addRemote, remoteLocation } from './remote-config.js';
import type { TransferEvents } from './transport.js';

export interface CloneOptions {
  /** Directory to create (default: the URL's last path segment). */
  dir?: string;
  bare?: boolean;
  /** Branch to check out (default: the remote's HEAD branch). */
  branch?: string;
  /** Do not check out; a non-bare clone is then partial (content fetched by later checkouts). */
  noCheckout?: boolean;
  token?: string;
  /** Told of the objects as they arrive. */
  progress?: TransferEvents;
}

export interface CloneResult {
  dir: string;
  url: string;
  bare: boolean;
  branch: string | null;
  head: Oid | null;
  partial: boolean;
  objects: number;
  bytes: number;
  written: number;
}

/**
 * Clones a repository: creates the directory, adds the remote as origin, fetches, sets
 * up the branch and checks it out. If anything fails, or the process is interrupted
 * (SIGINT, SIGTERM), the new directory is removed.
 */
export async function clone(url: string, opts: CloneOptions = {}): Promise<CloneResult> {
  const target = path.resolve(opts.dir ?? defaultCloneDir(url));
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0) {
    throw new ConflictError(`destination ${target} already exists and is not empty`, { hint: 'name another directory: dv clone URL DIR' });
  }
  const createdDir = !fs.existsSync(target);
  // Leave no half-made clone behind: the directory goes if it was made here, else its contents.
  const removeClone = () => {
    if (createdDir) fs.rmSync(target, { recursive: true, force: true });
    else if (fs.existsSync(target)) for (const e of fs.readdirSync(target)) fs.rmSync(path.join(target, e), { recursive: true, force: true });
  };
  return exitCleanlyOnInterrupt(removeClone, `interrupted; removed the partial clone in ${target}`, () => cloneInto(target, url, opts, removeClone));
}

async function cloneInto(target: string, url: string, opts: CloneOptions, removeClone: () => void): Promise<CloneResult> {
  const remoteUrl = remoteLocation(url);
  const transport = await openTransport(remoteUrl, { token: opts.token });
  let repo: Repository | undefined;
  let prepared: PreparedContent | undefined;
  try {
    const listed = await transport.listRefs();
    const { refs, head } = listed;
    const branchRef = opts.branch ? BRANCH_PREFIX + opts.branch : head ?? (refs.has(BRANCH_PREFIX + DEFAULT_BRANCH) ? BRANCH_PREFIX + DEFAULT_BRANCH : null);
    if (opts.branch && !refs.has(branchRef!)) throw new ConflictError(`the remote has no branch '${opts.branch}'`);
    const branch = branchRef ? branchRef.slice(BRANCH_PREFIX.length) : DEFAULT_BRANCH;
    repo = initRepository(target, { bare: opts.bare, branch });
    const partial = !!opts.noCheckout && !opts.bare;
    const remote = addRemote(repo, 'origin', remoteUrl, { partial });
    const tip = refs.get(BRANCH_PREFIX + branch) ?? null;
    // The branch's files are written out as they arrive; the checkout moves them into place.
    const willCheckout = !opts.bare && !opts.noCheckout && tip !== null;
    prepared = willCheckout ? new PreparedContent(path.join(repo.dvDir, 'tmp', `clone-${process.pid}`)) : undefined;
    const fetched = await fetchFrom(repo, transport, remote, { tap: prepared && new CheckoutTap(tip!, prepared), progress: opts.progress, listed });
    let written = 0;
    if (opts.bare) {
      // A bare clone mirrors the branches as they are (and drops the remote-tracking copies).
      const tracking = repo.refs.list(`${REMOTE_PREFIX}origin/`);
      repo.refs.updateMany([
        ...tracking.map((r) => ({ name: r.name, new: null, expect: r.oid, message: 'clone' })),
        ...[...refs].filter(([r]) => r.startsWith(BRANCH_PREFIX)).map(([name, id]) => ({ name, new: id, expect: null, message: `clone: from ${url}` })),
      ]);
    } else if (tip) {
      repo.refs.update({ name: BRANCH_PREFIX + branch, new: tip, expect: null, message: `clone: from ${url}` });
      if (!opts.noCheckout) {
        await prepared?.settled();
        written = (await checkout(repo, { rev: branch, force: true, prepared })).written;
      }
    }
    const result: CloneResult = {
      dir: target, url: remoteUrl, bare: !!opts.bare, branch: tip ? branch : null, head: repo.refs.resolve(HEAD) ?? null,
      partial, objects: fetched.objects, bytes: fetched.bytes, written,
    };
    await repo.close();
    repo = undefined;
    return result;
  } catch (err) {
    if (repo) await repo.close();
    removeClone();
    throw err;
  } finally {
    prepared?.dispose();
    await transport.close();
  }
}

/** The directory a clone of `url` goes to by default: its last path segment without `.dv`. */
export function defaultCloneDir(url: string): string {
  const clean = url.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const base = clean.slice(clean.lastIndexOf('/') + 1).replace(/\.dv$/, '');
  return base === '' ? 'repo' : base;
}
