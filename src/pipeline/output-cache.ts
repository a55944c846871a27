import crypto from 'node:crypto';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { DvError } from '../errors/index.js';
import { isOid, type Oid } from '../hash/index.js';
import { readSetting, type Repository } from '../repo/index.js';
import { isProcessAlive, type RepoPath } from '../util/index.js';
import { linkOrCopyFile, readIndex, statPath, type FileStat, type StatTime } from '../worktree/index.js';

/**
 * The materialised tier of the run cache: output files of successful runs kept as plain
 * files under `.dv/cache/outputs/<content id>`, so restoring a cached output is a link or
 * a file copy instead of a decode from the object store. The store stays the source of
 * truth: an entry is used only while its file is provably the one made from bytes that
 * hashed to its id, otherwise the store answers (spec/pipeline.md, "Output cache").
 *
 * An entry is a hard link to the output file the run wrote (free), or a copy where the
 * link fails (another file system). Its record, in the config database under
 * `pipeline.outputCache.<id>`, holds the size, mtime, inode and device of that file.
 * A hard link shares its inode with a working-tree file, so a later write through the
 * working-tree path (append, O_TRUNC rewrite, an editor writing in place) changes the
 * entry too — but also its mtime, which the record then no longer matches.
 */
/** Where the entries live, inside the repository directory. */
export const OUTPUT_CACHE_DIR = path.join('cache', 'outputs');
/** The setting that bounds the tier's size in bytes (0 turns it off). */
export const OUTPUT_CACHE_SETTING = 'pipeline.outputCacheBytes';
/** Smaller files decode from the store about as fast as they copy: not worth an entry. */
export const MIN_CACHED_BYTES = 256 * 1024;
/**
 * File systems stamp mtimes from a clock that advances in ticks (at most 10 ms on Linux).
 * A file whose mtime is at least this much older than the moment dv started reading it
 * gets a newer mtime from any later write, so its mtime proves it unchanged.
 */
export const SETTLE_MS = 20;

const RECORD = 'pipeline.outputCache.';
const TMP = 'tmp';

/** What the record of an entry says about its file, and when it was last made or used. */
interface EntryRecord { size: number; mtime: StatTime; ino: number; dev: number; used: number }

/** A usable entry: its file, and a re-check for after it was read. */
export interface CachedOutput {
  file: string;
  size: number;
  /** True when another path links to the file (the working-tree file of the run that made it…): restore by copy then. */
  shared: boolean;
  /** True while the file is still the one the record describes (ask after copying it). */
  stillValid(): boolean;
}

/** What pruning or trimming removed. */
export interface OutputCacheRemoval { removed: number; bytes: number }

/** The output tier of one repository, for one operation: uses are recorded in one transaction by `flush`. */
export class OutputCache {
  readonly dir: string;
  /** The size bound in bytes; 0 when the tier is off. */
  readonly bound: number;
  private readonly used = new Set<Oid>();
  private readonly invalid = new Set<Oid>();

  constructor(private readonly repo: Repository) {
    this.dir = path.join(repo.dvDir, OUTPUT_CACHE_DIR);
    this.bound = readSetting(repo, OUTPUT_CACHE_SETTING).value;
  }

  get enabled(): boolean { return this.bound > 0; }

  /**
   * Waits (at most SETTLE_MS) until the outputs worth an entry were last written
   * SETTLE_MS ago, and returns the time to pass to `keep`: taken before dv reads the
   * outputs to store them, so writes after it are sure to move their mtimes. A single
   * file tells its mtime; files under a directory output were written before the
   * command ended (`commandEnd`).
   */
  async settle(root: string, outs: RepoPath[], commandEnd: number): Promise<number> {
    if (!this.enabled) return Date.now();
    let newest = 0;
    for (const out of outs) {
      const st = statPath(path.join(root, out));
      if (st === 'dir') newest = Math.max(newest, commandEnd);
      else if (st && st.size >= MIN_CACHED_BYTES) newest = Math.max(newest, statTimeMs(st.mtime));
    }
    // A timer can fire early by the wall clock (it counts from the event loop's cached time): check again.
    for (let wait = newest + SETTLE_MS - Date.now(); wait > 0; wait = newest + SETTLE_MS - Date.now()) await sleep(Math.ceil(wait));
    return Date.now();
  }

  /**
   * Keeps the files of just-stored outputs as entries. Only files whose index entry
   * (stat taken before they were hashed) predates `readFrom` by SETTLE_MS qualify, and
   * the linked or copied file must still show that stat: then its bytes are the ones
   * that hashed to the id. Records are written before the files take their names, so
   * a crash leaves either a record whose file does not match it or a temporary file —
   * neither is ever used. Returns how many entries were made.
   */
  keep(outs: RepoPath[], readFrom: number): number {
    if (!this.enabled) return 0;
    const root = this.repo.worktree();
    const made: Array<{ id: Oid; tmp: string; rec: EntryRecord }> = [];
    const seen = new Set<Oid>();
    for (const out of outs) {
      for (const [p, e] of readIndex(this.repo, out).entries) {
        if (e.kind === 'symlink' || e.size < MIN_CACHED_BYTES || e.size > this.bound || seen.has(e.id)) continue;
        if (statTimeMs(e.mtime) > readFrom - SETTLE_MS) continue;
        seen.add(e.id);
        if (this.lookup(e.id, e.size)) continue;
        const entry = this.makeEntry(path.join(root, p), e);
        if (entry) made.push({ id: e.id, ...entry });
      }
    }
    if (made.length > 0) {
      this.repo.env.root.transactionSync(() => {
        for (const m of made) this.repo.env.config.putSync(RECORD + m.id, m.rec);
      });
      for (const m of made) {
        try {
          fs.renameSync(m.tmp, this.fileOf(m.id));
        } catch (err) {
          removeFile(m.tmp);
          if (!isFsError(err)) throw err;
        }
      }
    }
    this.flush();
    return made.length;
  }

  /** A valid entry for content `id` (of `size` bytes when given), if any; noted as used, or an invalid one noted for removal. */
  lookup(id: Oid, size?: number): CachedOutput | undefined {
    if (!this.enabled || this.invalid.has(id)) return undefined;
    const rec = this.repo.getConfig<EntryRecord>(RECORD + id);
    if (!rec || (size !== undefined && rec.size !== size)) return undefined;
    const file = this.fileOf(id);
    const stillValid = () => {
      const ok = matches(statPath(file), rec);
      if (!ok) this.invalid.add(id);
      return ok;
    };
    if (!stillValid()) return undefined;
    this.used.add(id);
    return { file, size: rec.size, shared: linkCount(file) !== 1, stillValid };
  }

  /** Records the uses since the last flush (for the LRU order) and removes the entries found invalid. */
  flush(): void {
    if (this.used.size + this.invalid.size === 0) return;
    const now = Date.now();
    this.repo.env.root.transactionSync(() => {
      for (const id of this.used) {
        const rec = this.repo.getConfig<EntryRecord>(RECORD + id);
        if (rec && !this.invalid.has(id)) this.repo.env.config.putSync(RECORD + id, { ...rec, used: now });
      }
      for (const id of this.invalid) this.repo.env.config.removeSync(RECORD + id);
    });
    for (const id of this.invalid) removeFile(this.fileOf(id));
    this.used.clear();
    this.invalid.clear();
  }

  /**
   * Enforces the size bound: the least recently made or used entries go until the rest
   * fit (all of them when the tier is off). Also removes temporary files that dead
   * processes left behind.
   */
  trim(): OutputCacheRemoval {
    this.removeLeftovers(false);
    const entries = this.entries();
    let total = entries.reduce((s, e) => s + e.rec.size, 0);
    if (total <= this.bound) return { removed: 0, bytes: 0 };
    const victims: typeof entries = [];
    for (const e of entries.sort((a, b) => a.rec.used - b.rec.used)) {
      if (total <= this.bound) break;
      victims.push(e);
      total -= e.rec.size;
    }
    this.remove(victims.map((v) => v.id));
    return { removed: victims.length, bytes: victims.reduce((s, v) => s + v.rec.size, 0) };
  }

  /**
   * Removes the entries whose ids are not in `referenced` (the files the run cache can
   * restore), entries whose file no longer matches its record, files without a record,
   * and the temporary files of dead processes. With `dryRun`, only counts them.
   */
  prune(referenced: Set<Oid>, opts: { dryRun?: boolean } = {}): OutputCacheRemoval {
    const entries = this.entries();
    const victims = entries.filter((e) => !referenced.has(e.id) || !matches(statPath(this.fileOf(e.id)), e.rec));
    const recorded = new Set(entries.map((e) => e.id));
    const orphans = this.listFiles().filter((name) => !recorded.has(name as Oid));
    const bytes = victims.reduce((s, v) => s + v.rec.size, 0) + orphans.reduce((s, name) => s + fileSize(path.join(this.dir, name)), 0);
    const leftovers = this.removeLeftovers(!!opts.dryRun);
    if (!opts.dryRun) {
      this.remove(victims.map((v) => v.id));
      for (const name of orphans) removeFile(path.join(this.dir, name));
    }
    return { removed: victims.length + orphans.length + leftovers.removed, bytes: bytes + leftovers.bytes };
  }

  /** Every recorded entry. */
  entries(): Array<{ id: Oid; rec: EntryRecord }> {
    const out: Array<{ id: Oid; rec: EntryRecord }> = [];
    for (const { key, value } of this.repo.env.config.getRange({ start: RECORD, end: RECORD + '\uffff' })) {
      const id = String(key).slice(RECORD.length);
      if (isOid(id)) out.push({ id, rec: value as EntryRecord });
    }
    return out;
  }

  private fileOf(id: Oid): string {
    return path.join(this.dir, id);
  }

  /** Links (else copies) a working-tree file to a temporary name; undefined when it no longer has the hashed stat. */
  private makeEntry(abs: string, hashed: FileStat): { tmp: string; rec: EntryRecord } | undefined {
    const tmpDir = path.join(this.dir, TMP);
    const tmp = path.join(tmpDir, `${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
    try {
      fs.mkdirSync(tmpDir, { recursive: true });
      linkOrCopyFile(abs, tmp, { link: true });
      // The source still has the stat it had before it was hashed (for a link, the entry is that very file).
      const st = statPath(tmp);
      if (!matches(statPath(abs), hashed) || !st || st === 'dir' || st.kind === 'symlink' || st.size !== hashed.size) {
        removeFile(tmp);
        return undefined;
      }
      return { tmp, rec: { size: st.size, mtime: st.mtime, ino: st.ino, dev: st.dev, used: Date.now() } };
    } catch (err) {
      removeFile(tmp);
      if (isFsError(err)) return undefined; // a full disk or the like: no entry, the run stands
      throw err;
    }
  }

  /** Drops records (one transaction), then their files. */
  private remove(ids: Oid[]): void {
    if (ids.length === 0) return;
    this.repo.env.root.transactionSync(() => {
      for (const id of ids) this.repo.env.config.removeSync(RECORD + id);
    });
    for (const id of ids) removeFile(this.fileOf(id));
  }

  /** Names of entry files present (content ids). */
  private listFiles(): string[] {
    try {
      return fs.readdirSync(this.dir).filter((n) => isOid(n));
    } catch {
      return [];
    }
  }

  /** Temporary files of processes that are gone (a crash while making entries). */
  private removeLeftovers(dryRun: boolean): OutputCacheRemoval {
    const tmpDir = path.join(this.dir, TMP);
    let names: string[];
    try {
      names = fs.readdirSync(tmpDir);
    } catch {
      return { removed: 0, bytes: 0 };
    }
    let removed = 0;
    let bytes = 0;
    for (const name of names) {
      const pid = Number(/^(\d+)-/.exec(name)?.[1]);
      if (Number.isInteger(pid) && isProcessAlive(pid)) continue;
      removed++;
      bytes += fileSize(path.join(tmpDir, name));
      if (!dryRun) removeFile(path.join(tmpDir, name));
    }
    return { removed, bytes };
  }
}

/** True when a file is the regular file a record (or hashed stat) describes: same size, mtime, inode and device. */
function matches(st: FileStat | 'dir' | undefined, rec: Pick<EntryRecord, 'size' | 'mtime' | 'ino' | 'dev'>): boolean {
  return !!st && st !== 'dir' && st.kind !== 'symlink' && st.size === rec.size &&
    st.mtime[0] === rec.mtime[0] && st.mtime[1] === rec.mtime[1] && st.ino === rec.ino && st.dev === rec.dev;
}

function linkCount(file: string): number {
  try {
    return fs.lstatSync(file).nlink;
  } catch {
    return 0;
  }
}

function statTimeMs(t: StatTime): number {
  return t[0] * 1000 + t[1] / 1e6;
}

/** Removes a file of the output cache; one that cannot be removed now (EACCES…) stays for the next gc, and fails nothing. */
function removeFile(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch (err) {
    if (!isFsError(err)) throw err;
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** An error of the file system (ENOSPC, ENOENT…), as opposed to a bug or one of dv's own. */
export function isFsError(err: unknown): boolean {
  return !(err instanceof DvError) && typeof (err as NodeJS.ErrnoException)?.code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!);
}
