import fs from 'node:fs';
import path from 'node:path';
import { hashBytesRaw } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import { isProcessAlive } from '../util/index.js';
import type { StatTime } from './index-entry.js';

/**
 * Data derived from one index (the stat table, the tree cache), kept as a file in the
 * `.dv` directory: the body, then the `index.stamp` of the index it was derived from (sec
 * and nsec as f64), then the BLAKE3 hash of both. Files, not LMDB values: each write of a
 * value of megabytes left as many pages behind in the store file (LMDB copies on write).
 * Each body starts with a magic and the `index.version` it was derived from (checked by its reader).
 */
const TRAILER = 16 + 32;

function filePath(repo: Repository, name: string): string {
  return path.join(repo.dvDir, name);
}

/** The body of the derived file `name` when it was derived from the index written at `stamp` and hashes right; else undefined. */
export function readDerivedFile(repo: Repository, name: string, stamp: StatTime): Buffer | undefined {
  let file: Buffer;
  try {
    file = fs.readFileSync(filePath(repo, name));
  } catch {
    return undefined;
  }
  if (file.length < TRAILER || !sameStamp(file, stamp)) return undefined;
  const hashed = file.length - 32;
  if (!hashBytesRaw(file.subarray(0, hashed)).equals(file.subarray(hashed))) return undefined;
  return file.subarray(0, file.length - TRAILER);
}

/**
 * The first `headLength` bytes of the derived file `name` when it was derived from the
 * index written at `stamp` (its stamp only: no hash, no read of the whole file).
 */
export function derivedFileHead(repo: Repository, name: string, stamp: StatTime, headLength: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(filePath(repo, name), 'r');
    const size = fs.fstatSync(fd).size;
    if (size < headLength + TRAILER) return undefined;
    const head = Buffer.alloc(headLength);
    const tail = Buffer.alloc(TRAILER);
    fs.readSync(fd, head, 0, headLength, 0);
    fs.readSync(fd, tail, 0, TRAILER, size - TRAILER);
    return sameStamp(tail, stamp) ? head : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Stores the derived file `name` of the index written at `stamp`, by rename (a reader sees
 * the old file or the new one). Only after the index write it describes has committed:
 * data of a version that never committed could match a later, different write. Best
 * effort: a repository that cannot be written to (read-only files) is left without it.
 */
export function putDerivedFile(repo: Repository, name: string, body: Buffer, stamp: StatTime): void {
  const file = Buffer.allocUnsafe(body.length + TRAILER);
  body.copy(file, 0);
  file.writeDoubleLE(stamp[0], body.length);
  file.writeDoubleLE(stamp[1], body.length + 8);
  const hashed = file.length - 32;
  hashBytesRaw(file.subarray(0, hashed)).copy(file, hashed);
  const tmp = `${filePath(repo, name)}.${process.pid}.tmp`;
  try {
    removeDeadWrites(repo.dvDir);
    fs.writeFileSync(tmp, file);
    fs.renameSync(tmp, filePath(repo, name));
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

/** Removes derived files half-written by dv processes that died while writing one (kill -9, power loss). */
function removeDeadWrites(dvDir: string): void {
  for (const name of fs.readdirSync(dvDir)) {
    const m = /^index-[a-z]+\.(\d+)\.tmp$/.exec(name);
    if (m && !isProcessAlive(Number(m[1]))) fs.rmSync(path.join(dvDir, name), { force: true });
  }
}

/** Whether the stamp in a file's trailer (its last TRAILER bytes) is `stamp`. */
function sameStamp(file: Buffer, stamp: StatTime): boolean {
  const at = file.length - TRAILER;
  return file.readDoubleLE(at) === stamp[0] && file.readDoubleLE(at + 8) === stamp[1];
}
