// Builds repositories through the library (objects, trees, commits, refs) for maintenance and bisect tests.
import type { Oid } from '../../src/hash/index.js';
import type { TreeEntry } from '../../src/objects/index.js';
import { initRepository, type Repository } from '../../src/repo/index.js';
import fs from 'node:fs';
import path from 'node:path';
import { packFileName, PACKS_DIR, recordLocation, storeBytes } from '../../src/store/index.js';
import { fsck, fsckWithThreads, type FsckOptions, type FsckReport } from '../../src/maintenance/index.js';
import assert from 'node:assert/strict';
import { tmpDir } from '../helpers.js';

/** Writes files (path → content) as a tree; returns the root tree id. */
export function writeFilesTree(repo: Repository, files: Record<string, string | Buffer>): Oid {
  const batch = repo.objects.batch();
  const root: Dir = new Map();
  for (const [p, content] of Object.entries(files)) {
    const parts = p.split('/');
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      let sub = dir.get(part);
      if (!(sub instanceof Map)) { sub = new Map(); dir.set(part, sub); }
      dir = sub;
    }
    const stored = storeBytes(batch, typeof content === 'string' ? Buffer.from(content) : content);
    dir.set(parts.at(-1)!, { name: parts.at(-1)!, kind: 'file', id: stored.id, size: stored.size });
  }
  batch.flush();
  return writeDir(repo, root).id;
}

type Dir = Map<string, Dir | TreeEntry>;

function writeDir(repo: Repository, dir: Dir): { id: Oid; size: number } {
  const entries: TreeEntry[] = [];
  let size = 0;
  for (const [name, v] of dir) {
    if (v instanceof Map) {
      const sub = writeDir(repo, v);
      entries.push({ name, kind: 'tree', id: sub.id, size: sub.size });
      size += sub.size;
    } else {
      entries.push(v);
      size += v.size;
    }
  }
  return { id: repo.objects.writeTree({ entries }), size };
}

let clock = Date.UTC(2024, 0, 1);

/** Writes a commit of `files` on top of `parents` without moving any ref. */
export function writeCommitOf(repo: Repository, files: Record<string, string | Buffer>, parents: Oid[], message: string, meta: Record<string, unknown> = {}): Oid {
  const tree = writeFilesTree(repo, files);
  const sig = { name: 'Test User', email: 'test@example.com', ms: (clock += 60_000), tz: 0 };
  return repo.objects.writeCommit({ tree, parents, author: sig, committer: sig, message, meta });
}

/** Commits `files` on the branch HEAD points at and moves it; returns the commit id. */
export function commitOnHead(repo: Repository, files: Record<string, string | Buffer>, message: string, meta: Record<string, unknown> = {}): Oid {
  const parent = repo.refs.resolve('HEAD');
  const id = writeCommitOf(repo, files, parent ? [parent] : [], message, meta);
  repo.refs.update({ name: 'HEAD', new: id, expect: parent ?? null, message: `commit: ${message}` });
  return id;
}

/** A new repository in a temporary directory, opened in this process. */
export function newRepo(): { dir: string; repo: Repository } {
  const dir = tmpDir();
  return { dir, repo: initRepository(dir) };
}

/** Deterministic pseudo-random bytes (large enough inputs make multi-chunk files). */
export function noise(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    b[i] = s & 0xff;
  }
  return b;
}

/** Flips one bit of an object's stored payload: in its pack file when packed, else in the LMDB record. */
export function flipStoredByte(repo: Repository, id: Oid, at = 0): void {
  const rec = Buffer.from(repo.objects.getRecord(id)!);
  const loc = recordLocation(rec, id);
  if (loc) {
    const file = path.join(repo.dvDir, PACKS_DIR, packFileName(loc.pack));
    const fd = fs.openSync(file, 'r+');
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, loc.offset + at);
    b[0]! ^= 0x01;
    fs.writeSync(fd, b, 0, 1, loc.offset + at);
    fs.closeSync(fd);
  } else {
    rec[2 + at]! ^= 0x01;
    repo.env.objects.putSync(Buffer.from(id, 'hex'), rec);
  }
}

/**
 * fsck both ways — everything read on this thread, and with file contents checked on the
 * native threads first — and checks that the two reports agree.
 */
export async function fsckBoth(repo: Repository, opts: FsckOptions = {}): Promise<FsckReport> {
  const here = fsck(repo, opts);
  assert.deepEqual(await fsckWithThreads(repo, opts), here, 'fsck with the native threads reports the same');
  return here;
}
