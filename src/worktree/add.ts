import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError, NotFoundError } from '../errors/index.js';
import type { Repository } from '../repo/index.js';
import { StorePool, storeBytes, storeFile, withWriterLease } from '../store/index.js';
import { toRepoPath, type RepoPath } from '../util/index.js';
import { exceptTracked, loadIgnoreRules } from './ignore-rules.js';
import type { IndexEntry } from './index-entry.js';
import { readIndex, writeIndex } from './index-store.js';
import { nativeSuspects } from './native-suspects.js';
import { assertInsideWorktree, compareWalkOrder, scanWorktree, statPath, type FileStat } from './scan.js';
import { statMatches } from './stat-match.js';

/** Bytes to add from which chunks are encoded on worker threads. */
const POOL_MIN_BYTES = 8 * 1024 * 1024;

export interface AddOptions {
  /** Paths as the user gave them, relative to `cwd`. */
  paths: string[];
  cwd: string;
  /** Add explicitly named files even when `.dvignore` ignores them. */
  force?: boolean;
  /** Called once with the bytes to read, then with each amount read. */
  onStart?: (totalBytes: number, files: number) => void;
  onBytes?: (n: number) => void;
}

export interface AddResult {
  added: RepoPath[];
  modified: RepoPath[];
  removed: RepoPath[];
  /** Files whose stat data changed but whose content did not. */
  refreshed: number;
  bytesRead: number;
  newChunks: number;
  /** Worker threads that encoded chunks (0: all on the main thread). */
  encodeThreads: number;
}

/** What `add` will do, decided before any byte is stored. */
interface AddPlan {
  toStore: Array<{ path: RepoPath; stat: FileStat; previous: IndexEntry | undefined }>;
  toRemove: Set<RepoPath>;
}

/**
 * Stages paths: new and changed files are stored (chunked, hashed, compressed) and
 * entered in the index; index entries under a named directory whose files are gone are
 * removed. Unchanged files (by stat data) are not read. The index changes in one
 * transaction, after every object it names is stored.
 */
export async function add(repo: Repository, opts: AddOptions): Promise<AddResult> {
  const root = repo.worktree();
  const plan = planAdd(repo, root, opts);
  const result: AddResult = { added: [], modified: [], removed: [...plan.toRemove].sort(), refreshed: 0, bytesRead: 0, newChunks: 0, encodeThreads: 0 };
  const totalBytes = plan.toStore.reduce((s, f) => s + f.stat.size, 0);
  opts.onStart?.(totalBytes, plan.toStore.length);

  await withWriterLease(repo.env, async () => {
    const batch = repo.objects.batch();
    // Threads pay off once there is more to encode than it takes to start them.
    const pool = totalBytes >= POOL_MIN_BYTES ? StorePool.forStore(repo.dvDir) : undefined;
    batch.useStorePool(pool);
    result.encodeThreads = pool?.size ?? 0;
    const put = new Map<RepoPath, IndexEntry>();
    for (const { path: p, stat, previous } of plan.toStore) {
      const abs = path.join(root, p);
      const stored = stat.kind === 'symlink'
        ? storeBytes(batch, Buffer.from(readLink(abs, p)))
        : await storeFile(batch, abs, p, (n) => { result.bytesRead += n; opts.onBytes?.(n); },
          previous && previous.kind !== 'symlink' ? { objects: repo.objects, id: previous.id } : undefined);
      result.newChunks += stored.newChunks;
      put.set(p, { id: stored.id, kind: stat.kind, size: stored.size, mtime: stat.mtime, ctime: stat.ctime, ino: stat.ino, dev: stat.dev });
      if (!previous) result.added.push(p);
      else if (previous.id !== stored.id || previous.kind !== stat.kind) result.modified.push(p);
      else result.refreshed++;
    }
    await batch.drain();
    batch.flush();
    const idsChanged = result.added.length + result.modified.length + plan.toRemove.size > 0;
    writeIndex(repo, { put, remove: plan.toRemove, tree: idsChanged ? undefined : 'keep' });
  });
  return result;
}

function planAdd(repo: Repository, root: string, opts: AddOptions): AddPlan {
  const rules = loadIgnoreRules(root);
  const toStore: AddPlan['toStore'] = [];
  const toRemove = new Set<RepoPath>();
  const seen = new Set<RepoPath>();
  const take = (p: RepoPath, stat: FileStat, previous: IndexEntry | undefined) => {
    if (seen.has(p)) return;
    seen.add(p);
    toStore.push({ path: p, stat, previous });
  };
  for (const userPath of opts.paths) {
    const rel = toRepoPath(root, opts.cwd, userPath);
    assertInsideWorktree(root, rel);
    const top = statPath(path.join(root, rel));
    // A directory with tracked files: the native scan finds what changed without reading the index.
    const quick = top === 'dir' ? nativeSuspects(repo, rel) : undefined;
    if (quick) {
      const found: Array<[RepoPath, FileStat, IndexEntry | undefined]> = [];
      for (const { path: p, entry, stat } of quick.tracked) {
        if (stat) found.push([p, stat, entry]);
        else toRemove.add(p);
      }
      for (const [p, stat] of quick.untracked) found.push([p, stat, undefined]);
      // In the order the JavaScript scan meets them, as below.
      found.sort(([a], [b]) => compareWalkOrder(a, b));
      for (const [p, stat, previous] of found) take(p, stat, previous);
      continue;
    }
    const explicitFile = top !== undefined && top !== 'dir';
    const index = readIndex(repo, rel);
    if (explicitFile && rules.ignores(rel, false) && !opts.force && !index.entries.has(rel)) {
      throw new InvalidInputError(`${rel} is ignored by .dvignore`, { hint: 'use `dv add --force` to add it anyway' });
    }
    const files = explicitFile && opts.force ? new Map([[rel, top]]) : scanWorktree(root, rel, exceptTracked(rules, index.entries.keys()));
    if (files.size === 0 && index.entries.size === 0) {
      if (top === undefined) throw new NotFoundError(`pathspec '${userPath}' did not match any files`, { data: { path: userPath }, hint: '`dv status` lists changed and untracked files; paths are relative to the current directory' });
      continue; // an empty or wholly ignored directory stages nothing
    }
    for (const [p, st] of files) {
      const entry = index.entries.get(p);
      if (!(entry && statMatches(entry, st, index.stamp))) take(p, st, entry);
      else seen.add(p);
    }
    for (const p of index.entries.keys()) if (!files.has(p)) toRemove.add(p);
  }
  return { toStore, toRemove };
}

function readLink(abs: string, display: string): string {
  try {
    return fs.readlinkSync(abs);
  } catch (err) {
    throw new InvalidInputError(`file vanished while being added: ${display}`, { cause: err });
  }
}
