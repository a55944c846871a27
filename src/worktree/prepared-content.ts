import fs from 'node:fs';
import path from 'node:path';
import type { Oid } from '../hash/index.js';
import { linkOrCopyFile } from './link-or-copy.js';
import { openForWhole } from './preallocate.js';
import { writeFully } from '../util/index.js';

/**
 * Bytes written asynchronously and not on disk yet, beyond which writes are made
 * synchronously (backpressure). 16 MB keeps a clone's checkout as fast as 32 did.
 */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

/** A file being written: its descriptor, writes in flight, and how it ends. */
interface OpenFile { fd: number; pending: number; failed: boolean; ended?: boolean; verified?: boolean }

/**
 * File content written out while it was being received and verified (a clone writes
 * the checked-out branch's files as their chunks stream in), so checkout renames each
 * file into place instead of decoding it from the store a second time. Content is only
 * offered once it verified against its id; anything not taken is removed by `dispose`.
 * The directory lies inside `.dv/`, on the working tree's filesystem, so a rename works.
 */
export class PreparedContent {
  private readonly open = new Map<Oid, OpenFile>();
  private readonly ready = new Map<Oid, string>();
  /** How many more paths will take each id (set by `expectUses`); the last one gets the file itself. */
  private readonly uses = new Map<Oid, number>();
  private made = false;
  private pendingBytes = 0;
  private idle: Array<() => void> = [];

  constructor(private readonly dir: string) {}

  /** Starts the file for `id`, of `size` bytes (a second start of the same id is ignored). */
  start(id: Oid, size: number): void {
    if (this.open.has(id) || this.ready.has(id)) return;
    if (!this.made) { fs.mkdirSync(this.dir, { recursive: true }); this.made = true; }
    this.open.set(id, { fd: openForWhole(this.pathOf(id), 'w', size), pending: 0, failed: false });
  }

  /** True when verified content for `id` is ready to be taken. */
  has(id: Oid): boolean {
    return this.ready.has(id);
  }

  /**
   * Writes bytes of `id`'s content at `position` (other threads may write other parts of
   * the file at `pathOf(id)` meanwhile). The write runs on libuv's threads, so the caller
   * goes on receiving while the disk works; `bytes` must not change afterwards. With too
   * much in flight it is written at once instead.
   */
  write(id: Oid, bytes: Uint8Array, position: number): void {
    const f = this.open.get(id);
    if (f === undefined || f.failed || f.ended) return;
    if (this.pendingBytes >= MAX_PENDING_BYTES) {
      try {
        writeFully(f.fd, bytes, position);
      } catch {
        f.failed = true;
      }
      return;
    }
    f.pending++;
    this.pendingBytes += bytes.length;
    this.writeAt(id, f, bytes, position, bytes.length);
  }

  private writeAt(id: Oid, f: OpenFile, bytes: Uint8Array, position: number, total: number): void {
    fs.write(f.fd, bytes, 0, bytes.length, position, (err, written) => {
      if (!err && written < bytes.length) {
        this.writeAt(id, f, bytes.subarray(written), position + written, total); // a short write: the rest
        return;
      }
      if (err) f.failed = true;
      f.pending--;
      this.pendingBytes -= total;
      if (f.ended && f.pending === 0) this.finish(id, f);
      else if (this.pendingBytes === 0) this.wakeIdle();
    });
  }

  /** Ends `id`'s file: offered to checkout once its writes are on disk and its content verified, else removed. */
  end(id: Oid, verified: boolean): void {
    const f = this.open.get(id);
    if (f === undefined || f.ended) return;
    f.ended = true;
    f.verified = verified;
    if (f.pending === 0) this.finish(id, f);
  }

  private finish(id: Oid, f: OpenFile): void {
    this.open.delete(id);
    fs.closeSync(f.fd);
    if (f.verified && !f.failed) this.ready.set(id, this.pathOf(id));
    else fs.rmSync(this.pathOf(id), { force: true });
    this.wakeIdle();
  }

  /** Resolves once no write is in flight and every ended file is closed (checkout takes files only after this). */
  async settled(): Promise<void> {
    while (this.pendingBytes > 0 || [...this.open.values()].some((f) => f.ended)) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
  }

  private wakeIdle(): void {
    const waiting = this.idle;
    this.idle = [];
    for (const wake of waiting) wake();
  }

  /** Counts the paths that will take each id (a list with repeats), so all but the last get copies. */
  expectUses(ids: Iterable<Oid>): void {
    this.uses.clear();
    for (const id of ids) if (this.ready.has(id)) this.uses.set(id, (this.uses.get(id) ?? 0) + 1);
  }

  /**
   * Puts the verified content of `id` at `target` (which must not exist) with `mode`;
   * false when there is none. The last expected taker gets the file itself by rename.
   */
  moveTo(id: Oid, target: string, mode: number): boolean {
    const src = this.ready.get(id);
    if (!src) return false;
    fs.chmodSync(src, mode);
    const left = (this.uses.get(id) ?? 1) - 1;
    if (left > 0) {
      this.uses.set(id, left);
      linkOrCopyFile(src, target, { link: false });
    } else {
      this.ready.delete(id);
      fs.renameSync(src, target);
    }
    return true;
  }

  /** Removes everything prepared and not taken (files with writes in flight are closed when those end). */
  dispose(): void {
    for (const id of [...this.open.keys()]) this.end(id, false);
    this.ready.clear();
    if (this.made) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Where `id`'s content is written. */
  pathOf(id: Oid): string {
    return path.join(this.dir, id);
  }
}
