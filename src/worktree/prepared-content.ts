import fs from 'node:fs';
import path from 'node:path';
import type { Oid } from '../hash/index.js';
import { linkOrCopyFile } from './link-or-copy.js';
import { writeFully } from '../util/index.js';

/**
 * File content written out while it was being received and verified (a clone writes
 * the checked-out branch's files as their chunks stream in), so checkout renames each
 * file into place instead of decoding it from the store a second time. Content is only
 * offered once it verified against its id; anything not taken is removed by `dispose`.
 * The directory lies inside `.dv/`, on the working tree's filesystem, so a rename works.
 */
export class PreparedContent {
  private readonly open = new Map<Oid, number>();
  private readonly ready = new Map<Oid, string>();
  /** How many more paths will take each id (set by `expectUses`); the last one gets the file itself. */
  private readonly uses = new Map<Oid, number>();
  private made = false;

  constructor(private readonly dir: string) {}

  /** Starts the file for `id` (a second start of the same id is ignored). */
  start(id: Oid): void {
    if (this.open.has(id) || this.ready.has(id)) return;
    if (!this.made) { fs.mkdirSync(this.dir, { recursive: true }); this.made = true; }
    this.open.set(id, fs.openSync(this.pathOf(id), 'w'));
  }

  /** True when verified content for `id` is ready to be taken. */
  has(id: Oid): boolean {
    return this.ready.has(id);
  }

  /** Appends the next verified-so-far bytes of `id`'s content. */
  write(id: Oid, bytes: Uint8Array): void {
    const fd = this.open.get(id);
    if (fd !== undefined) writeFully(fd, bytes);
  }

  /** Ends `id`'s file: offered to checkout when its content verified, else removed. */
  end(id: Oid, verified: boolean): void {
    const fd = this.open.get(id);
    if (fd === undefined) return;
    this.open.delete(id);
    fs.closeSync(fd);
    if (verified) this.ready.set(id, this.pathOf(id));
    else fs.rmSync(this.pathOf(id), { force: true });
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

  /** Removes everything prepared and not taken. */
  dispose(): void {
    for (const id of [...this.open.keys()]) this.end(id, false);
    this.ready.clear();
    if (this.made) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private pathOf(id: Oid): string {
    return path.join(this.dir, id);
  }
}
