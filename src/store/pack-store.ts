import fs from 'node:fs';
import path from 'node:path';
import { CORRUPT_HINT, CorruptObjectError } from '../errors/index.js';
import { writeFully } from '../util/index.js';
import type { StoreEnv } from './environment.js';

export const PACKS_DIR = 'packs';
const NEXT_PACK_KEY = 'pack.next';
/** Start a new pack file when the current one reaches this size. */
const PACK_ROLL_BYTES = 1024 * 1024 * 1024;
/**
 * Appends are gathered into writes of about this size: 50,000 small payloads were as
 * many write calls. Nothing reads an appended payload before `sync` (its location is
 * recorded only after), so staging them is invisible to readers.
 */
const STAGE_BYTES = 1024 * 1024;

/** Where a packed payload lives. */
export interface PackLocation { pack: number; offset: number; length: number }

/** The file name of pack number `n`. */
export function packFileName(n: number): string {
  return `${String(n).padStart(8, '0')}.pack`;
}

/** Pack paths already made, by store and pack number (a few packs per store). */
const packPaths = new Map<string, Map<number, string>>();

/**
 * The path of pack number `n` in the store at `dvDir`. Remembered: a checkout of a large
 * file asks for it once per chunk and per delta base, and path.join took 83 ms of a 2 s
 * checkout of 7,000 chunks.
 */
export function packPath(dvDir: string, n: number): string {
  let byNumber = packPaths.get(dvDir);
  if (!byNumber) packPaths.set(dvDir, (byNumber = new Map()));
  let p = byNumber.get(n);
  if (p === undefined) byNumber.set(n, (p = path.join(dvDir, PACKS_DIR, packFileName(n))));
  return p;
}

/** Pack numbers present in the packs directory. */
export function listPacks(dvDir: string): number[] {
  const dir = path.join(dvDir, PACKS_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /^\d{8}\.pack$/.test(f)).map((f) => Number(f.slice(0, 8))).sort((a, b) => a - b);
}

/**
 * Appends payloads to pack files owned by this writer. Each writer allocates fresh pack
 * numbers in an LMDB transaction, so concurrent processes never append to the same file.
 * `sync` (or `syncInBackground`) writes out and makes durable the appended bytes before
 * the caller records their locations.
 */
export class PackWriter {
  private fd: number | null = null;
  private pack = -1;
  private offset = 0;
  /** Payloads appended, and how many of the first of them are known to be on disk. */
  private appended = 0;
  private durable = 0;
  /** Appended bytes not written yet: they start at `offset - staged`. */
  private readonly stage = Buffer.allocUnsafe(STAGE_BYTES);
  private staged = 0;

  constructor(private readonly env: StoreEnv, private readonly dvDir: string) {}

  /** Appends one payload and returns where it is. */
  append(payload: Uint8Array): PackLocation {
    if (this.fd === null || this.offset >= PACK_ROLL_BYTES) this.open();
    // Staged bytes end at `offset`: they go out before anything is written past them.
    if (payload.length >= STAGE_BYTES / 4) {
      this.writeStaged();
      writeFully(this.fd!, payload, this.offset);
    } else {
      if (this.staged + payload.length > STAGE_BYTES) this.writeStaged();
      this.stage.set(payload, this.staged);
      this.staged += payload.length;
    }
    const loc = { pack: this.pack, offset: this.offset, length: payload.length };
    this.offset += payload.length;
    this.appended++;
    return loc;
  }

  /**
   * A payload appended to the pack being written, read back before it is durable (from
   * the stage or the file); undefined when `loc` is in another pack.
   */
  readBack(loc: PackLocation, id: string): Buffer | undefined {
    if (this.fd === null || loc.pack !== this.pack) return undefined;
    // A payload is wholly staged or wholly written: the stage goes out before a large one.
    const stageStart = this.offset - this.staged;
    if (loc.offset >= stageStart) return Buffer.from(this.stage.subarray(loc.offset - stageStart, loc.offset - stageStart + loc.length));
    const buf = Buffer.allocUnsafe(loc.length);
    readFully(this.fd, buf, loc, id);
    return buf;
  }

  /** Writes out and flushes appended bytes to disk. */
  sync(): void {
    this.writeStaged();
    if (this.fd !== null && this.durable < this.appended) fs.fdatasyncSync(this.fd);
    this.durable = this.appended;
  }

  /**
   * Writes out the appended bytes and flushes them to disk on a libuv thread; `done` runs
   * once everything appended before this call is durable (appending may go on meanwhile).
   * A `sync` or `close` in between flushes them itself.
   */
  syncInBackground(done: (err: Error | null) => void): void {
    this.writeStaged();
    const upTo = this.appended;
    if (this.fd === null || this.durable >= upTo) { setImmediate(done, null); return; }
    fs.fdatasync(this.fd, (err) => {
      if (!err) this.durable = Math.max(this.durable, upTo);
      done(err);
    });
  }

  /** Writes the staged bytes out to the file (not made durable): readable there by other threads. */
  writeOut(): void {
    this.writeStaged();
  }

  private writeStaged(): void {
    if (this.staged === 0) return;
    writeFully(this.fd!, this.stage.subarray(0, this.staged), this.offset - this.staged);
    this.staged = 0;
  }

  close(): void {
    if (this.fd !== null) {
      this.sync();
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }

  private open(): void {
    this.close();
    let n = 0;
    this.env.root.transactionSync(() => {
      n = (this.env.meta.get(NEXT_PACK_KEY) as number | undefined) ?? 1;
      this.env.meta.putSync(NEXT_PACK_KEY, n + 1);
    });
    const dir = path.join(this.dvDir, PACKS_DIR);
    const file = path.join(dir, packFileName(n));
    try {
      fs.mkdirSync(dir, { recursive: true });
      // Readable too: a payload not yet durable is read back from here (readBack).
      this.fd = fs.openSync(file, 'wx+');
    } catch (err) {
      throw packCreateError(err, dir, file);
    }
    this.pack = n;
    this.offset = 0;
  }
}

/**
 * Why a new pack file cannot be made: a full, read-only or forbidden disk as the system
 * says it (the CLI prints that plainly), a damaged store layout as corruption.
 */
function packCreateError(err: unknown, dir: string, file: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS') return err as Error;
  const why = !fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? `${dir} is not a folder`
    : code === 'EEXIST' ? `${file} exists already, yet the store has not counted it`
      : (err as Error).message;
  return new CorruptObjectError(`cannot create a pack file: ${why}`, { data: { dir }, hint: CORRUPT_HINT, cause: err });
}

/** Reads the payload at `loc` into `buf` (exactly its length); a pack that ends sooner is corrupt. */
function readFully(fd: number, buf: Uint8Array, loc: PackLocation, id: string): void {
  let off = 0;
  while (off < loc.length) {
    const n = fs.readSync(fd, buf, off, loc.length - off, loc.offset + off);
    if (n === 0) throw new CorruptObjectError(`object ${id} is truncated in pack ${packFileName(loc.pack)}`, { data: { id, pack: loc.pack } });
    off += n;
  }
}

/** Reads packed payloads with positioned reads (no memory mapping of pack data). */
export class PackReader {
  private readonly fds = new Map<number, number>();
  constructor(private readonly dvDir: string) {}

  read(loc: PackLocation, id: string): Buffer {
    const buf = Buffer.allocUnsafe(loc.length);
    this.readInto(loc, id, buf, 0);
    return buf;
  }

  /** Reads a payload into `buf` at `at` (which must have room for `loc.length` bytes). */
  readInto(loc: PackLocation, id: string, buf: Uint8Array, at: number): void {
    readFully(this.fdFor(loc.pack, id), buf.subarray(at, at + loc.length), loc, id);
  }

  close(): void {
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
  }

  private fdFor(pack: number, id: string): number {
    let fd = this.fds.get(pack);
    if (fd === undefined) {
      try {
        fd = fs.openSync(packPath(this.dvDir, pack), 'r');
      } catch (err) {
        throw new CorruptObjectError(`object ${id} is missing: pack ${packFileName(pack)} cannot be read`, { data: { id, pack }, cause: err });
      }
      this.fds.set(pack, fd);
    }
    return fd;
  }
}
