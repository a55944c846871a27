import { oidToBytes, type Oid } from '../hash/index.js';
import { compareNames } from '../objects/index.js';
import type { Repository } from '../repo/index.js';
import { parentDirs, type RepoPath } from '../util/index.js';
import { putDerivedFile, readDerivedFile } from './derived-file.js';
import type { StatTime } from './index-entry.js';

/**
 * The trees of the index's directories (spec/index.md, "Tree cache"): directory path
 * ('' for the root) → the id and size of the tree the index's entries under it make.
 * A commit stores what it built; an index write keeps what its changes leave standing, so
 * the next commit builds only the directories holding changed paths.
 */
export type TreeCache = Map<RepoPath, { id: Oid; size: number }>;

export const TREE_CACHE_FILE = 'index-trees';
const MAGIC = 'DVC1';
const HEADER = 16;
const FIXED = 32 + 8;

/** The tree cache of the index of version `version` written at `stamp`, if stored. */
export function readTreeCache(repo: Repository, version: number, stamp: StatTime): TreeCache | undefined {
  const body = readDerivedFile(repo, TREE_CACHE_FILE, stamp);
  return body && decodeTreeCache(body, version);
}

/** Stores the tree cache of the index of version `version` written at `stamp` (once that index write has committed). */
export function putTreeCache(repo: Repository, cache: TreeCache, version: number, stamp: StatTime): void {
  putDerivedFile(repo, TREE_CACHE_FILE, encodeTreeCache(cache, version), stamp);
}

/** The cache without the directories that hold any of `changed` (each path's parents, up to the root). */
export function withoutDirsOf(cache: TreeCache, changed: Iterable<RepoPath>): TreeCache {
  const out = new Map(cache);
  for (const p of changed) for (const dir of parentDirs(p)) out.delete(dir);
  return out;
}

export function encodeTreeCache(cache: TreeCache, version: number): Buffer {
  const list = [...cache].sort(([a], [b]) => compareNames(a, b));
  let room = HEADER;
  for (const [p] of list) room += 2 + p.length * 3 + FIXED;
  const out = Buffer.allocUnsafe(room);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(list.length, 4);
  out.writeDoubleLE(version, 8);
  let o = HEADER;
  for (const [p, t] of list) {
    const n = out.write(p, o + 2, 'utf8');
    out.writeUInt16LE(n, o);
    o += 2 + n;
    oidToBytes(t.id).copy(out, o);
    out.writeDoubleLE(t.size, o + 32);
    o += FIXED;
  }
  return out.subarray(0, o);
}

/** The cache in `body` when it is one of index version `version`; undefined when it is not or is malformed. */
export function decodeTreeCache(body: Buffer, version: number): TreeCache | undefined {
  if (body.length < HEADER || body.toString('latin1', 0, 4) !== MAGIC || body.readDoubleLE(8) !== version) return undefined;
  const count = body.readUInt32LE(4);
  const cache: TreeCache = new Map();
  let o = HEADER;
  for (let k = 0; k < count; k++) {
    if (o + 2 > body.length) return undefined;
    const n = body.readUInt16LE(o);
    const at = o + 2 + n;
    if (at + FIXED > body.length) return undefined;
    cache.set(body.toString('utf8', o + 2, at) as RepoPath, { id: body.toString('hex', at, at + 32) as Oid, size: body.readDoubleLE(at + 32) });
    o = at + FIXED;
  }
  return o === body.length && cache.size === count ? cache : undefined;
}
