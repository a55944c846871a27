import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Oid } from '../hash/index.js';
import { walkTree, type TreeLeaf } from '../history/index.js';
import type { Repository } from '../repo/index.js';
import { withWriterLease } from '../store/index.js';
import { isUnder, type RepoPath } from '../util/index.js';
import {
  add, buildTree, loadIgnoreRules, Materializer, readIndex, scanWorktree, statPath, writeIndex, type IndexEntry,
} from '../worktree/index.js';

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
  /** Drops the previous outputs (the command succeeded). */
  discard(): void;
}

/**
 * Moves a stage's existing outputs into `scratch` so the command starts without them
 * and a failure can put them back untouched.
 */
export function setAsideOutputs(root: string, scratch: string, outs: RepoPath[]): SetAside {
  const moved: Array<{ out: RepoPath; to: string }> = [];
  const keep = path.join(scratch, 'previous');
  outs.forEach((out, i) => {
    const abs = path.join(root, out);
    if (statPath(abs) === undefined) return;
    fs.mkdirSync(keep, { recursive: true });
    const to = path.join(keep, String(i));
    fs.renameSync(abs, to);
    moved.push({ out, to });
  });
  return {
    restore() {
      for (const out of outs) fs.rmSync(path.join(root, out), { recursive: true, force: true });
      for (const m of moved) {
        const abs = path.join(root, m.out);
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        fs.renameSync(m.to, abs);
      }
    },
    discard() {
      fs.rmSync(keep, { recursive: true, force: true });
    },
  };
}

/** Stored outputs: path → id (tree id for a directory), and every file under them. */
export interface StoredOutputs {
  outs: Record<string, Oid>;
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
  const result: StoredOutputs = { outs: {}, files: [], missing };
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
      } else {
        const prefix = out.length + 1;
        result.outs[out] = buildTree(batch, own.map(([p, e]) => [p.slice(prefix) as RepoPath, { id: e.id, kind: e.kind, size: e.size }])).id;
      }
    }
    batch.flush();
  }
  return result;
}

/** The files an output id stands for: the leaves of a tree, or the file itself. */
export function outputLeaves(repo: Repository, out: RepoPath, id: Oid): TreeLeaf[] {
  const kind = repo.objects.kindOf(id);
  if (kind === 'tree') {
    return [...walkTree(repo.objects, id)].map((l) => ({ ...l, path: `${out}/${l.path}` as RepoPath }));
  }
  return [{ name: path.posix.basename(out), kind: 'file', id, size: repo.objects.contentSize(id), path: out }];
}

/** True when every object needed to restore these outputs is stored. */
export function outputsRestorable(repo: Repository, outs: Record<string, Oid>): boolean {
  try {
    for (const [out, id] of Object.entries(outs)) {
      if (!repo.objects.has(id)) return false;
      for (const leaf of outputLeaves(repo, out as RepoPath, id)) if (!repo.objects.has(leaf.id)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes recorded outputs from the store into the working tree (each file verified
 * against its id before it replaces anything) and stages them, as a checkout would.
 * Files under a directory output that the recorded tree lacks are removed.
 */
export async function restoreOutputs(repo: Repository, outs: Record<string, Oid>, opts: { onBytes?: (n: number) => void } = {}): Promise<number> {
  const root = repo.worktree();
  const m = new Materializer(repo.objects, root);
  let written = 0;
  await withWriterLease(repo.env, () => {
    const put = new Map<RepoPath, IndexEntry>();
    const remove = new Set<RepoPath>();
    for (const [outText, id] of Object.entries(outs)) {
      const out = outText as RepoPath;
      const leaves = outputLeaves(repo, out, id);
      const wanted = new Set(leaves.map((l) => l.path));
      const onDisk = statPath(path.join(root, out));
      if (onDisk === 'dir' && wanted.has(out)) fs.rmSync(path.join(root, out), { recursive: true, force: true });
      else if (onDisk === 'dir') for (const p of scanWorktree(root, out, loadIgnoreRules(root)).keys()) if (!wanted.has(p)) m.remove(p);
      for (const e of readIndex(repo, out).entries.keys()) if (!wanted.has(e)) remove.add(e);
      for (const leaf of leaves) {
        const st = m.write(leaf, opts.onBytes);
        written++;
        put.set(leaf.path, { id: leaf.id, kind: leaf.kind as IndexEntry['kind'], size: leaf.size, mtime: st.mtime, ctime: st.ctime, ino: st.ino, dev: st.dev });
      }
      if (leaves.length === 0) fs.mkdirSync(path.join(root, out), { recursive: true });
    }
    writeIndex(repo, { put, remove, tree: undefined });
  });
  return written;
}
