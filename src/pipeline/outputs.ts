import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Oid } from '../hash/index.js';
import { walkTree, type TreeLeaf } from '../history/index.js';
import type { Repository } from '../repo/index.js';
import { withWriterLease } from '../store/index.js';
import { isProcessAlive, isUnder, parseRepoPath, runWithLimit, type RepoPath } from '../util/index.js';
import {
  add, buildTree, FILES_IN_FLIGHT, indexEntryOf, loadIgnoreRules, Materializer, readIndex, scanWorktree, statPath, writeIndex, type FileStat, type IndexEntry,
} from '../worktree/index.js';
import { isFsError, OutputCache } from './output-cache.js';

/** A private scratch directory inside `.dv` (same file system as the working tree, so renames are cheap). */
export function makeScratchDir(repo: Repository, label: string): string {
  const dir = path.join(repo.dvDir, 'tmp', `${label}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Previous outputs moved out of the way while a command runs. */
export interface SetAside {
  /** Puts the previous outputs back, removing whatever the command left at their paths. */
  restore(): void;
  /** Notes that the command finished: from now on its outputs, not the previous ones, survive a crash. */
  keepNew(): void;
  /** Drops the previous outputs (the run is recorded). */
  discard(): void;
}

const MANIFEST = 'outs.json';
const KEEP_NEW = 'keep-new';

/**
 * Moves a stage's existing outputs into `scratch` so the command starts without them
 * and a failure can put them back untouched. A manifest written first lets
 * `recoverSetAside` put them back after a crash.
 */
export function setAsideOutputs(root: string, scratch: string, outs: RepoPath[]): SetAside {
  const keep = path.join(scratch, 'previous');
  fs.mkdirSync(keep, { recursive: true });
  const entries = outs.map((out, i) => ({ out, to: path.join(keep, String(i)), existed: statPath(path.join(root, out)) !== undefined }));
  fs.writeFileSync(path.join(keep, MANIFEST), JSON.stringify(entries.map(({ out, existed }, i) => ({ out, i, existed }))));
  for (const e of entries) if (e.existed) fs.renameSync(path.join(root, e.out), e.to);
  return {
    restore() { putBack(root, entries); },
    keepNew() { fs.writeFileSync(path.join(keep, KEEP_NEW), ''); },
    discard() { fs.rmSync(keep, { recursive: true, force: true }); },
  };
}

function putBack(root: string, entries: Array<{ out: string; to: string; existed: boolean }>): void {
  for (const e of entries) {
    const abs = path.join(root, e.out);
    fs.rmSync(abs, { recursive: true, force: true });
    if (e.existed && fs.existsSync(e.to)) {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.renameSync(e.to, abs);
    }
  }
}

/**
 * Cleans up after dv processes that died (kill -9, power loss) while running stages:
 * outputs of a run that had not finished are replaced by the outputs it had set aside,
 * and the scratch directories of dead processes are removed. Returns how many runs were rolled back.
 */
export function recoverSetAside(repo: Repository): number {
  const tmp = path.join(repo.dvDir, 'tmp');
  let rolledBack = 0;
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = /^[a-z]+-(\d+)-[0-9a-f]+$/.exec(name);
    if (!m || isProcessAlive(Number(m[1]))) continue;
    const keep = path.join(tmp, name, 'previous');
    const manifest = path.join(keep, MANIFEST);
    if (fs.existsSync(manifest) && !fs.existsSync(path.join(keep, KEEP_NEW))) {
      const entries = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as Array<{ out: string; i: number; existed: boolean }>)
        .map((e) => ({ out: parseRepoPath(e.out), to: path.join(keep, String(e.i)), existed: e.existed }));
      putBack(repo.worktree(), entries);
      rolledBack++;
    }
    fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
  }
  return rolledBack;
}

/** The kind of a single-file output that is not a plain file (a directory's tree records its files' kinds). */
export type OutputKind = 'exec' | 'symlink';

/** Stored outputs: path → id (tree id for a directory), the kinds of single-file outputs that are not plain files, and every file under them. */
export interface StoredOutputs {
  outs: Record<string, Oid>;
  kinds: Record<string, OutputKind>;
  files: Array<[RepoPath, Oid]>;
  missing: RepoPath[];
}

/**
 * Stores a stage's outputs the way `dv add` does (same content writer, same index
 * update), so they are staged for the next commit; directory outputs also get their
 * trees stored. Outputs the command did not create are reported as missing.
 */
export async function storeOutputs(repo: Repository, outs: RepoPath[]): Promise<StoredOutputs> {
  const root = repo.worktree();
  const present = outs.filter((o) => statPath(path.join(root, o)) !== undefined);
  const missing = outs.filter((o) => !present.includes(o));
  if (present.length > 0) await add(repo, { paths: present, cwd: root, force: true });
  const result: StoredOutputs = { outs: {}, kinds: {}, files: [], missing };
  if (present.length === 0) return result;
  {
    // The trees of directory outputs; the caller holds the writer lease until a run record names them.
    const batch = repo.objects.batch();
    for (const out of present) {
      const { entries } = readIndex(repo, out);
      const own = [...entries].filter(([p]) => isUnder(p, out));
      for (const [p, e] of own) result.files.push([p, e.id]);
      const single = entries.get(out);
      if (single && statPath(path.join(root, out)) !== 'dir') {
        result.outs[out] = single.id;
        if (single.kind !== 'file') result.kinds[out] = single.kind;
      } else {
        const prefix = out.length + 1;
        result.outs[out] = buildTree(batch, own.map(([p, e]) => [p.slice(prefix) as RepoPath, { id: e.id, kind: e.kind, size: e.size }])).id;
      }
    }
    batch.flush();
  }
  return result;
}

/** The files an output id stands for: the leaves of a tree, or the file itself (of `kind`, a plain file by default). */
export function outputLeaves(repo: Repository, out: RepoPath, id: Oid, kind: TreeLeaf['kind'] = 'file'): TreeLeaf[] {
  const stored = repo.objects.kindOf(id);
  if (stored === 'tree') {
    return [...walkTree(repo.objects, id)].map((l) => ({ ...l, path: `${out}/${l.path}` as RepoPath }));
  }
  return [{ name: path.posix.basename(out), kind, id, size: repo.objects.contentSize(id), path: out }];
}

/** True when every object needed to restore these outputs is stored. */
export function outputsRestorable(repo: Repository, outs: Record<string, Oid>): boolean {
  try {
    for (const [out, id] of Object.entries(outs)) {
      const kind = repo.objects.kindOf(id);
      if (kind === 'blob' || kind === 'file') continue; // a single file: stored is all it takes
      if (kind !== 'tree') return false;
      for (const leaf of outputLeaves(repo, out as RepoPath, id)) if (!repo.objects.has(leaf.id)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** How a restore went: files written, and how many of them came from the output cache. */
export interface RestoreCounts { files: number; fromOutputCache: number }

/**
 * Writes recorded outputs into the working tree and stages them, as a checkout would.
 * Each file is taken from the output cache (linked or copied) when it holds a valid
 * entry for its id, else written from the store (verified against its id); either way
 * it goes to a temporary name first and replaces nothing unless complete. Single-file outputs get the
 * kind the run recorded (`kinds`); files under a directory output that the recorded tree
 * lacks are removed.
 */
export async function restoreOutputs(repo: Repository, outs: Record<string, Oid>, opts: { kinds?: Record<string, OutputKind>; onBytes?: (n: number) => void } = {}): Promise<RestoreCounts> {
  const root = repo.worktree();
  const m = new Materializer(repo.objects, root);
  const cache = new OutputCache(repo);
  const counts: RestoreCounts = { files: 0, fromOutputCache: 0 };
  await withWriterLease(repo.env, async () => {
    const put = new Map<RepoPath, IndexEntry>();
    const remove = new Set<RepoPath>();
    const writes: TreeLeaf[] = [];
    for (const [outText, id] of Object.entries(outs)) {
      const out = outText as RepoPath;
      const leaves = singleCachedLeaf(repo, cache, out, id, opts.kinds?.[out]) ?? outputLeaves(repo, out, id, opts.kinds?.[out]);
      const wanted = new Set(leaves.map((l) => l.path));
      const onDisk = statPath(path.join(root, out));
      if (onDisk === 'dir' && wanted.has(out)) fs.rmSync(path.join(root, out), { recursive: true, force: true });
      else if (onDisk === 'dir') for (const p of scanWorktree(root, out, loadIgnoreRules(root)).keys()) if (!wanted.has(p)) m.remove(p);
      for (const e of readIndex(repo, out).entries.keys()) if (!wanted.has(e)) remove.add(e);
      writes.push(...leaves);
      if (leaves.length === 0) fs.mkdirSync(path.join(root, out), { recursive: true });
    }
    // Outputs never overlap (stage-graph refuses it), so their files are written together,
    // several at once as a checkout does: the native threads stay busy across file boundaries.
    await runWithLimit(writes, FILES_IN_FLIGHT, async (leaf) => {
      let st = copyFromCache(m, cache, leaf);
      if (st) {
        counts.fromOutputCache++;
        opts.onBytes?.(leaf.size);
      } else {
        st = await m.writeAsync(leaf, opts.onBytes);
      }
      counts.files++;
      put.set(leaf.path, indexEntryOf(leaf, st));
    });
    writeIndex(repo, { put, remove, tree: undefined });
  });
  cache.flush();
  return counts;
}

/** A single-file output with a valid output-cache entry, as a leaf (its size from the entry: no decode of the file object). */
function singleCachedLeaf(repo: Repository, cache: OutputCache, out: RepoPath, id: Oid, kind: OutputKind | undefined): TreeLeaf[] | undefined {
  if (kind === 'symlink' || repo.objects.kindOf(id) === 'tree') return undefined;
  const hit = cache.lookup(id);
  return hit ? [{ name: path.posix.basename(out), kind: kind ?? 'file', id, size: hit.size, path: out }] : undefined;
}

/** Writes a leaf from its output-cache entry; undefined (nothing written) when there is no valid one. */
function copyFromCache(m: Materializer, cache: OutputCache, leaf: TreeLeaf): FileStat | undefined {
  if (leaf.kind !== 'file' && leaf.kind !== 'exec') return undefined;
  const hit = cache.lookup(leaf.id, leaf.size);
  if (!hit) return undefined;
  try {
    // A link costs nothing; but one working-tree path at most shares the entry's file, or an edit of one would change the other.
    return m.writeFrom(leaf, hit.file, hit.stillValid, { link: !hit.shared });
  } catch (err) {
    if (isFsError(err)) return undefined; // the entry went away meanwhile: the store answers
    throw err;
  }
}
