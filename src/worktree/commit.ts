import { ConflictError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import type { CommitMeta } from '../objects/index.js';
import { encodeCommit } from '../objects/index.js';
import { HEAD } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { withWriterLease } from '../store/index.js';
import { now } from '../util/index.js';
import { buildTree } from './build-tree.js';
import { markIndexTree, readIndex } from './index-store.js';
import { putTreeCache, readTreeCache, type TreeCache } from './tree-cache.js';

export interface CommitOptions {
  message: string;
  /** Structured metadata (sources, runs, contract results) recorded with the commit. */
  meta?: CommitMeta;
  allowEmpty?: boolean;
}

export interface CommitResult {
  id: Oid;
  tree: Oid;
  parents: Oid[];
  /** The branch that moved, or null when HEAD is detached. */
  branch: string | null;
}

/**
 * Records the staged state as a commit on top of HEAD. The ref moves by compare-and-swap
 * from the HEAD read at the start, so a concurrent commit makes this one fail cleanly.
 */
export async function commit(repo: Repository, opts: CommitOptions): Promise<CommitResult> {
  const message = opts.message.trim();
  if (message === '') throw new ConflictError('empty commit message', { hint: 'give one with -m "what changed"' });
  const parent = repo.refs.resolve(HEAD) ?? null;
  const headName = repo.refs.resolveName(HEAD);
  const branch = headName.startsWith('refs/heads/') ? headName : null;
  const index = readIndex(repo);
  // The trees of directories nothing was staged in since the last commit are not built again.
  const cache = readTreeCache(repo, index.version, index.stamp);

  return withWriterLease(repo.env, () => {
    const batch = repo.objects.batch();
    const built: TreeCache = new Map(cache ?? []);
    const reuse = cache && { cache, has: (id: Oid) => repo.objects.has(id) };
    const tree = buildTree(batch, [...index.entries].map(([p, e]) => [p, { id: e.id, kind: e.kind, size: e.size }]), reuse, built);
    if (parent && !opts.allowEmpty && repo.objects.readCommit(parent).tree === tree.id) {
      throw new ConflictError('nothing to commit: the staged state equals HEAD', { hint: 'stage changes with `dv add <path>` first (see `dv status`)' });
    }
    if (!parent && index.entries.size === 0 && !opts.allowEmpty) {
      throw new ConflictError('nothing to commit: nothing is staged', { hint: 'stage files with `dv add <path>` first' });
    }
    const { name, email } = repo.identity();
    const when = now();
    const sig = { name, email, ms: when.ms, tz: when.tz };
    const commitId = batch.putStructured('commit', encodeCommit({
      tree: tree.id,
      parents: parent ? [parent] : [],
      author: sig,
      committer: sig,
      message: message + '\n',
      meta: opts.meta ?? {},
    }));
    batch.flush();
    const firstLine = message.split('\n')[0]!;
    repo.refs.update({ name: HEAD, new: commitId, expect: parent, message: `commit${parent ? '' : ' (initial)'}: ${firstLine}` });
    if (markIndexTree(repo, tree.id, index)) putTreeCache(repo, built, index.version, index.stamp);
    return { id: commitId, tree: tree.id, parents: parent ? [parent] : [], branch };
  });
}
