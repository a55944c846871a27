import { DvError, NotFoundError } from '../errors/index.js';
import { oidToBytes, shortOid, type Oid } from '../hash/index.js';
import type { DecodedObject, ObjectKind } from '../objects/index.js';
import { recordKind, type ObjectStore } from '../store/index.js';
import type { Repository } from '../repo/index.js';
import { fetchedOnCheckout, kindMatches, objectLinks, recordLinks, type ObjectLink } from './links.js';
import { packUsage, payloadSize } from './pack-usage.js';
import { collectRoots } from './roots.js';
import { verifyContentsOnThreads, type VerifyContentsOptions } from './verify-contents.js';

/** An object whose stored bytes do not match its id or do not decode. */
export interface CorruptEntry { id: Oid; message: string }
/** An object something refers to but the store lacks. */
export interface MissingEntry { id: Oid; referencedBy: string[] }
/** A reference to an object of the wrong kind (a tree entry naming a commit…). */
export interface BadLinkEntry { id: Oid; from: string; message: string }

/** What fsck found. `ok` is false when anything is corrupt, missing or badly linked. */
export interface FsckReport {
  ok: boolean;
  /** Stored objects checked, and their stored (possibly compressed) payload bytes. */
  objects: number;
  bytes: number;
  reachable: number;
  dangling: number;
  corrupt: CorruptEntry[];
  missing: MissingEntry[];
  badLinks: BadLinkEntry[];
  /** In a partial clone: file contents the trees name that no checkout has fetched yet (not a problem). */
  notFetched: number;
  /** Pack files: how many, their size on disk, and the payload bytes stored objects use in them (the rest is for gc). */
  packs: { files: number; bytes: number; liveBytes: number };
}

export interface FsckOptions {
  /** Called after each object is checked with the count so far and the total stored. */
  onProgress?: (done: number, total: number) => void;
  /** A partial clone: file content a tree names may be absent until a checkout fetches it. */
  partial?: boolean;
  /** Files and blobs checked already (verifyContentsOnThreads): not decoded again. */
  contentVerified?: ReadonlySet<Oid>;
}

/** Referrers remembered per missing object; enough to find the culprit without unbounded lists. */
const MAX_REFERRERS = 10;

/**
 * Verifies every stored object once (re-hashing blobs and structured objects, streaming
 * multi-chunk files to check the whole-content hash) and the connectivity of everything
 * reachable from refs, reflogs, the index and config. Reads only; never changes the repository.
 */
export function fsck(repo: Repository, opts: FsckOptions = {}): FsckReport {
  const report = new Checker(repo.objects, opts).run(collectRoots(repo.env));
  const usage = packUsage(repo.env, repo.dvDir);
  const packs = { files: usage.length, bytes: usage.reduce((s, p) => s + p.size, 0), liveBytes: usage.reduce((s, p) => s + p.live, 0) };
  return { ...report, packs };
}

/**
 * fsck with the content of multi-chunk files checked first on the native threads
 * (verifyContentsOnThreads): the same report, sooner for large files. What the threads
 * could not vouch for is read and checked as fsck does, naming the culprit.
 */
export async function fsckWithThreads(repo: Repository, opts: FsckOptions & VerifyContentsOptions = {}): Promise<FsckReport> {
  const contentVerified = await verifyContentsOnThreads(repo.objects, opts);
  return fsck(repo, { ...opts, contentVerified });
}

class Checker {
  private readonly reachable = new Set<Oid>();
  private readonly verified = new Set<Oid>();
  private readonly corrupt = new Map<Oid, string>();
  private readonly missing = new Map<Oid, string[]>();
  private readonly notFetched = new Set<Oid>();
  private readonly badLinks: BadLinkEntry[] = [];
  private readonly total: number;
  private done = 0;

  constructor(private readonly objects: ObjectStore, private readonly opts: FsckOptions) {
    this.total = storedCount(objects);
  }

  run(roots: ObjectLink[]): Omit<FsckReport, 'packs'> {
    this.walk(roots);
    // Everything not reached is dangling; it is still verified, and its links checked for existence.
    let objects = 0;
    let bytes = 0;
    let dangling = 0;
    for (const id of this.objects.allIds()) {
      objects++;
      const rec = this.objects.env.objects.getBinaryFast(oidToBytes(id));
      if (rec) bytes += payloadSize(rec, id);
      if (this.reachable.has(id)) continue;
      dangling++;
      if (this.verified.has(id)) continue;
      for (const l of this.verify(id)) if (!l.weak && !this.objects.has(l.id)) this.noteAbsent(l);
    }
    const corrupt = [...this.corrupt].map(([id, message]) => ({ id, message }));
    const missing = [...this.missing].map(([id, referencedBy]) => ({ id, referencedBy }));
    return {
      ok: corrupt.length === 0 && missing.length === 0 && this.badLinks.length === 0,
      objects, bytes,
      reachable: objects - dangling,
      dangling,
      corrupt, missing, badLinks: this.badLinks,
      notFetched: this.notFetched.size,
    };
  }

  /** Follows links depth-first, visiting each object once (an explicit stack: histories are deep). */
  private walk(links: ObjectLink[]): void {
    const stack = [...links].reverse();
    while (stack.length > 0) {
      const link = stack.pop()!;
      for (const child of this.visit(link).reverse()) stack.push(child);
    }
  }

  /** Checks one reached object; returns the links to follow from it. */
  private visit(link: ObjectLink): ObjectLink[] {
    const { id } = link;
    if (this.reachable.has(id)) {
      const refs = this.missing.get(id);
      if (refs && refs.length < MAX_REFERRERS && !refs.includes(link.from)) refs.push(link.from);
      this.checkKind(link);
      return [];
    }
    if (!this.objects.has(id)) {
      if (!link.weak) { this.reachable.add(id); this.noteAbsent(link); }
      return [];
    }
    this.reachable.add(id);
    // A wrongly linked object is reported but still verified and followed: it is stored and reached.
    this.checkKind(link);
    if (this.verified.has(id)) return [];
    return this.verify(id);
  }

  /** Reports a link whose target has the wrong kind. */
  private checkKind(link: ObjectLink): void {
    if (link.expect === 'any') return;
    let kind: ObjectKind;
    try {
      const rec = this.objects.env.objects.getBinaryFast(oidToBytes(link.id));
      if (!rec) return;
      kind = recordKind(rec, link.id);
    } catch {
      return; // Reported as corrupt by verify.
    }
    if (kindMatches(kind, link.expect)) return;
    const want = link.expect === 'content' ? 'file content' : `a ${link.expect}`;
    if (!this.badLinks.some((b) => b.id === link.id && b.from === link.from)) {
      this.badLinks.push({ id: link.id, from: link.from, message: `${link.from} points at ${shortOid(link.id)}, a ${kind}, not ${want}` });
    }
  }

  /**
   * Verifies one object (streaming a multi-chunk file's content); returns its links: to
   * what it names, and to the base it is stored as a delta of.
   */
  private verify(id: Oid): ObjectLink[] {
    this.verified.add(id);
    this.tick();
    const rec = this.objects.getRecord(id);
    const links = rec ? recordLinks(id, rec) : [];
    // A blob has no links but to its delta base (in its record).
    if (rec && this.opts.contentVerified?.has(id) && recordKind(rec, id) === 'blob') return links;
    let obj: DecodedObject;
    try {
      obj = this.objects.read(id);
    } catch (err) {
      this.noteError(id, err);
      return links;
    }
    if (obj.kind === 'file') return [...links, ...this.verifyFile(id, obj.file.chunks.map((c) => c.id))];
    return [...links, ...objectLinks(id, obj)];
  }

  /**
   * Streams a multi-chunk file so its whole-content hash is checked; the chunks it reads
   * are verified on the way, and their delta bases are returned to be followed. On
   * failure each chunk is checked on its own to name the culprit.
   */
  private verifyFile(id: Oid, chunks: Oid[]): ObjectLink[] {
    const reachable = this.reachable.has(id);
    try {
      if (!this.opts.contentVerified?.has(id)) {
        for (const _ of this.objects.readContentSync(id)) { /* each chunk is verified as it is read */ }
      }
    } catch (err) {
      let explained = false;
      chunks.forEach((c, i) => {
        const from = `file ${shortOid(id)} chunk ${i}`;
        if (reachable) {
          this.walk([{ id: c, expect: 'blob', from }]);
        } else if (!this.objects.has(c)) {
          this.noteMissing(c, from);
        } else if (!this.verified.has(c)) {
          for (const l of this.verify(c)) if (!this.objects.has(l.id)) this.noteMissing(l.id, l.from);
        }
        if (this.corrupt.has(c) || this.missing.has(c) || this.badLinks.some((b) => b.id === c)) explained = true;
      });
      if (!explained) this.noteError(id, err);
      return [];
    }
    const bases: ObjectLink[] = [];
    for (const c of new Set(chunks)) {
      if (!this.verified.has(c)) { this.verified.add(c); this.tick(); }
      if (reachable && !this.reachable.has(c)) this.reachable.add(c);
      const rec = this.objects.getRecord(c);
      if (rec) bases.push(...recordLinks(c, rec));
    }
    return bases;
  }

  /**
   * Records why an object could not be read. An object that is merely missing something
   * it needs (a chunk, a delta base) is not itself corrupt: the link to that is reported.
   */
  private noteError(id: Oid, err: unknown): void {
    if (err instanceof NotFoundError && err.data.id && err.data.id !== id && !this.objects.has(err.data.id as Oid)) return;
    if (this.corrupt.has(id)) return;
    this.corrupt.set(id, err instanceof DvError ? err.message : `object ${id} cannot be read: ${(err as Error).message}`);
  }

  /** A link to an object not stored: missing, unless it is file content a partial clone has not fetched. */
  private noteAbsent(link: ObjectLink): void {
    if (fetchedOnCheckout(link, this.opts.partial)) this.notFetched.add(link.id);
    else this.noteMissing(link.id, link.from);
  }

  private noteMissing(id: Oid, from: string): void {
    const refs = this.missing.get(id);
    if (!refs) this.missing.set(id, [from]);
    else if (refs.length < MAX_REFERRERS && !refs.includes(from)) refs.push(from);
  }

  private tick(): void {
    this.done++;
    if (this.opts.onProgress && (this.done & 255) === 0) this.opts.onProgress(this.done, this.total);
  }
}

/** How many objects are stored (LMDB keeps the count, so this is cheap). */
export function storedCount(objects: ObjectStore): number {
  const stats = objects.env.objects.getStats() as { entryCount?: number };
  return stats.entryCount ?? 0;
}

/** A one-line summary of an fsck report's problems, for the CLI's error line. */
export function describeProblems(r: FsckReport): string {
  const parts: string[] = [];
  if (r.corrupt.length) parts.push(`${r.corrupt.length} corrupt`);
  if (r.missing.length) parts.push(`${r.missing.length} missing`);
  if (r.badLinks.length) parts.push(`${r.badLinks.length} wrongly linked`);
  return `repository check failed: ${parts.join(', ')} object${r.corrupt.length + r.missing.length + r.badLinks.length === 1 ? '' : 's'}`;
}
