import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../errors/index.js';
import type { TreeLeaf } from '../history/index.js';
import { decodeFileOnThreads, NativeVerifier, type ObjectStore } from '../store/index.js';
import { linkOrCopyFile, modeForKind } from './link-or-copy.js';
import { openForWhole } from './preallocate.js';
import type { PreparedContent } from './prepared-content.js';
import { statPath, type FileStat } from './scan.js';
import { exitCleanlyOnInterrupt, removeStaleTemporaries, replaceFile, temporaryName, writeFully } from '../util/index.js';

/** Files worth writing at once (writeAsync, writeNewAsync): enough that the native threads never wait between two. */
export const FILES_IN_FLIGHT = 8;

/** Files from this size up are written on the native threads (smaller ones cost more to hand over than they take). */
const THREAD_WRITE_MIN_BYTES = 256 * 1024;

/** The mode a leaf's new file is created with (before the umask). */
function newFileMode(leaf: TreeLeaf): number {
  return leaf.kind === 'exec' ? 0o755 : 0o644;
}

/**
 * Writes tree leaves into a directory. Over existing files, each goes to a temporary
 * name first and is renamed into place only after its content verified against its id,
 * so a corrupt object never replaces a good file. Parent directories are checked to lie inside the
 * destination (a symlinked directory cannot redirect a write).
 */
export class Materializer {
  private readonly realRoot: string;
  private readonly checkedDirs = new Set<string>();
  private tmpCounter = 0;
  /** Files the native threads are writing (target → leaf path); an interrupt removes them. */
  private readonly writing = new Map<string, string>();
  /** Ends the interrupt handling that lasts while `writing` is not empty. */
  private writingDone: (() => void) | undefined;

  /** `prepared`: content already written and verified (a clone's), taken instead of decoding it. */
  constructor(private readonly objects: ObjectStore, private readonly root: string, private readonly prepared?: PreparedContent) {
    this.realRoot = fs.realpathSync(root);
  }

  /** Writes one leaf at its path (replacing what is there) and returns the new file's stat data. */
  write(leaf: TreeLeaf, onBytes?: (n: number) => void): FileStat {
    return this.replace(leaf, (tmp) => {
      this.writeContent(leaf, tmp, onBytes);
      return true;
    })!;
  }

  /**
   * Writes one file leaf from `source`, a file the caller knows holds its content: as a
   * hard link to it when `link` is asked (and the file system allows), else as a copy;
   * its mode gets the execute bits the leaf's kind asks for. `stillValid` is asked once
   * the file is made and before the rename: when it says no, or the size is wrong,
   * nothing at the leaf's path changes and the result is undefined.
   */
  writeFrom(leaf: TreeLeaf, source: string, stillValid: () => boolean, opts: { link: boolean }): FileStat | undefined {
    if (leaf.kind !== 'file' && leaf.kind !== 'exec') throw new InvalidInputError(`cannot copy a ${leaf.kind} into ${leaf.path}`);
    const kind = leaf.kind;
    return this.replace(leaf, (tmp) => {
      linkOrCopyFile(source, tmp, opts);
      const made = fs.statSync(tmp);
      const mode = modeForKind(kind, made.mode);
      if ((made.mode & 0o777) !== mode) fs.chmodSync(tmp, mode);
      return stillValid() && made.size === leaf.size;
    });
  }

  /**
   * Like write, but a large file's chunks are decoded, checked and written on the native
   * threads (writeOnThreads), so every core works on it.
   */
  async writeAsync(leaf: TreeLeaf, onBytes?: (n: number) => void): Promise<FileStat> {
    if (!this.threadsCanWrite(leaf)) return this.write(leaf, onBytes);
    const { abs, tmp } = this.temporaryFor(leaf);
    try {
      if (!(await this.writeOnThreads(leaf, tmp, onBytes))) return this.write(leaf, onBytes);
      this.putInPlace(abs, tmp);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    return this.statWritten(leaf, abs);
  }

  /** Like writeNew, with a large file written on the native threads (writeOnThreads). */
  async writeNewAsync(leaf: TreeLeaf, onBytes?: (n: number) => void): Promise<void> {
    if (!this.threadsCanWrite(leaf)) return this.writeNew(leaf, onBytes);
    const abs = path.join(this.root, leaf.path);
    this.prepareParent(path.dirname(abs));
    if (!(await this.writeOnThreads(leaf, abs, onBytes))) this.writeNew(leaf, onBytes);
  }

  /** Whether a leaf is a file worth writing on the native threads: at least THREAD_WRITE_MIN_BYTES, not written already (prepared), with them running. */
  private threadsCanWrite(leaf: TreeLeaf): boolean {
    return (leaf.kind === 'file' || leaf.kind === 'exec') && leaf.size >= THREAD_WRITE_MIN_BYTES && !this.prepared?.has(leaf.id) && NativeVerifier.create() !== undefined;
  }

  /**
   * Creates `target` and has the native threads decode the leaf's chunks into it
   * (decodeFileOnThreads). When they cannot vouch for all of it, the file is removed and
   * the result is false: the caller writes it the usual way, which names a damaged object.
   */
  private async writeOnThreads(leaf: TreeLeaf, target: string, onBytes?: (n: number) => void): Promise<boolean> {
    // A single-chunk file is a blob: told from its record, so it is not decoded here and again by write.
    if (this.objects.kindOf(leaf.id) !== 'file') return false;
    const obj = this.objects.readKind(leaf.id, 'file');
    let ok = false;
    // Heard from before the file exists: this thread only waits on the threads, so Ctrl-C is handled at once.
    this.startWriting(target, leaf.path);
    try {
      fs.closeSync(openForWhole(target, 'wx', obj.file.size, newFileMode(leaf)));
      ok = await decodeFileOnThreads(this.objects, NativeVerifier.create()!, leaf.id, obj.file, { path: target, onBytes }).done;
    } finally {
      if (!ok) fs.rmSync(target, { force: true });
      this.doneWriting(target);
    }
    return ok;
  }

  /**
   * Makes a leaf's file under a temporary name with `fill`, then puts it at its path (replaceFile);
   * when `fill` says no, the temporary file goes and nothing changes (undefined).
   */
  private replace(leaf: TreeLeaf, fill: (tmp: string) => boolean): FileStat | undefined {
    const { abs, tmp } = this.temporaryFor(leaf);
    try {
      if (!fill(tmp)) {
        fs.rmSync(tmp, { force: true });
        return undefined;
      }
      this.putInPlace(abs, tmp);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    return this.statWritten(leaf, abs);
  }

  /** A leaf's path, with its parent directories ready, and the temporary name its new file is made under. */
  private temporaryFor(leaf: TreeLeaf): { abs: string; tmp: string } {
    const abs = path.join(this.root, leaf.path);
    this.prepareParent(path.dirname(abs));
    return { abs, tmp: temporaryName(abs, this.tmpCounter++) };
  }

  /** Moves a finished temporary file to its path, over whatever is there. */
  private putInPlace(abs: string, tmp: string): void {
    this.removeExisting(abs);
    replaceFile(tmp, abs);
  }

  private statWritten(leaf: TreeLeaf, abs: string): FileStat {
    const st = statPath(abs);
    if (!st || st === 'dir') throw new InvalidInputError(`could not write ${leaf.path}`);
    return st;
  }

  /**
   * Writes one leaf into a destination that holds nothing at its path (export into a new
   * directory): no temporary name, no stat. A file whose content fails verification is removed.
   */
  writeNew(leaf: TreeLeaf, onBytes?: (n: number) => void): void {
    const abs = path.join(this.root, leaf.path);
    this.prepareParent(path.dirname(abs));
    try {
      this.writeContent(leaf, abs, onBytes);
    } catch (err) {
      fs.rmSync(abs, { force: true });
      throw err;
    }
  }

  private writeContent(leaf: TreeLeaf, target: string, onBytes?: (n: number) => void): void {
    if (leaf.kind === 'symlink') {
      fs.symlinkSync(this.objects.readContentBuffer(leaf.id).toString(), target);
      return;
    }
    const mode = newFileMode(leaf);
    if (this.prepared?.moveTo(leaf.id, target, mode)) {
      onBytes?.(leaf.size);
      return;
    }
    const fd = openForWhole(target, 'wx', leaf.size, mode);
    try {
      let written = 0;
      for (const piece of this.objects.readContentSync(leaf.id, { transient: true })) {
        writeFully(fd, piece);
        written += piece.length;
        onBytes?.(piece.length);
      }
      // The tree's size reserved the space; the content decides the length.
      if (written !== leaf.size) fs.ftruncateSync(fd, written);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Notes a file the threads start writing. While any is, SIGINT or SIGTERM removes them
   * all and ends the process; otherwise (writes on this thread) signals act as usual.
   */
  private startWriting(target: string, leafPath: string): void {
    if (this.writing.size === 0) {
      const removeAll = () => { for (const t of this.writing.keys()) fs.rmSync(t, { force: true }); };
      const message = () => `interrupted while writing ${[...this.writing.values()].join(', ')}; the files written before are in place`;
      void exitCleanlyOnInterrupt(removeAll, message, () => new Promise<void>((resolve) => { this.writingDone = resolve; }));
    }
    this.writing.set(target, leafPath);
  }

  private doneWriting(target: string): void {
    this.writing.delete(target);
    if (this.writing.size === 0) this.writingDone?.();
  }

  /** Stat data of a working-tree file, or undefined when it is absent. */
  statIfPresent(relPath: string): FileStat | undefined {
    const st = statPath(path.join(this.root, relPath));
    return st && st !== 'dir' ? st : undefined;
  }

  /** Removes a working-tree file and any directories it leaves empty (up to the root). */
  remove(relPath: string): void {
    const abs = path.join(this.root, relPath);
    fs.rmSync(abs, { force: true });
    let dir = path.dirname(abs);
    while (dir !== this.root && dir.startsWith(this.root)) {
      try {
        fs.rmdirSync(dir);
      } catch {
        break; // not empty, or already gone
      }
      dir = path.dirname(dir);
    }
  }

  private removeExisting(abs: string): void {
    const st = statPath(abs);
    if (st === 'dir') fs.rmSync(abs, { recursive: true, force: true });
  }

  private prepareParent(dir: string): void {
    if (this.checkedDirs.has(dir)) return;
    // What a write killed here left (never listed by status, but it takes room).
    removeStaleTemporaries(dir);
    // A file or symlink where a directory must go is replaced (it belongs to the old tree).
    const rel = path.relative(this.root, dir);
    let cur = this.root;
    for (const part of rel === '' ? [] : rel.split(path.sep)) {
      cur = path.join(cur, part);
      const st = statPath(cur);
      if (st === undefined) fs.mkdirSync(cur);
      else if (st !== 'dir') { fs.rmSync(cur, { force: true }); fs.mkdirSync(cur); }
    }
    const real = fs.realpathSync(dir);
    if (real !== this.realRoot && !real.startsWith(this.realRoot + path.sep)) {
      throw new InvalidInputError(`refusing to write outside the working tree through ${path.relative(this.root, dir)}`);
    }
    this.checkedDirs.add(dir);
  }
}
