import { CorruptObjectError, RemoteError } from '../errors/index.js';
import { oidToBytes, type Oid } from '../hash/index.js';
import { objectLinks, type DecodedObject, type FileObject } from '../objects/index.js';
import { ENCODING_DELTA, StorePool, deltaBase as payloadDeltaBase, verifyPayload, type ObjectStore, type WriteBatch } from '../store/index.js';
import { createHasher, oidFromBytes, type Hasher } from '../hash/index.js';
import { BlobCache } from './blob-cache.js';
import type { WireObject } from './transport.js';

/**
 * Where a transfer hands verified file content as it streams in: `wants` says which
 * content ids to write out (a clone's checked-out files); `write` gets the bytes in
 * order; `end` says whether the whole verified. PreparedContent implements it.
 */
export interface ContentTap {
  wants(id: Oid): boolean;
  start(id: Oid): void;
  write(id: Oid, bytes: Uint8Array): void;
  end(id: Oid, verified: boolean): void;
}

/**
 * Decoded blob bytes kept for deltas and file checks that follow soon after. A clone's
 * chunks are checked as they arrive, so this serves deltas against recent blobs; 64 MB
 * made no measured difference to clone speed and took a 512 MB clone to 260–280 MB.
 */
const CACHE_BYTES = 24 * 1024 * 1024;
/** Verified objects are committed at least this often, so an interrupted transfer loses little. */
const COMMIT_INTERVAL_MS = 1000;
/** Blob payloads at least this large are verified on worker threads (smaller ones cost more to hand over). */
const POOL_MIN_PAYLOAD = 4096;
/** Payload bytes handed to workers and not verified yet: enough to keep them busy, little memory. */
const POOL_INFLIGHT_BYTES = 8 * 1024 * 1024;

/**
 * The verifying import: every received object is decoded and hashed against its id (a
 * file object's chunks are hashed as its content) before it is written, and an object is
 * only written once everything it refers to is held, so the store never holds part of
 * something. Verified objects are committed as they accumulate; an interrupted transfer
 * keeps them, and a retry skips them.
 *
 * Blobs are decoded and hashed on worker threads when there are any (the main thread
 * parses, hashes files and writes meanwhile). Whatever refers to other objects (a tree,
 * a commit, a delta) waits until the blobs in flight are settled, so it is checked
 * against exactly what was verified, in arrival order.
 */
export class ObjectImporter {
  private readonly batch: WriteBatch;
  private readonly unflushed = new Set<Oid>();
  private readonly pool: StorePool | undefined;
  /** Blobs on the workers, not verified yet. */
  private readonly verifying = new Set<Oid>();
  /** The first verification that failed on a worker; thrown at the next add or finish. */
  private failure: Error | undefined;
  private readonly cache = new BlobCache(CACHE_BYTES);
  /** Files whose content is being hashed as their chunks arrive. */
  private readonly pendingFiles = new Map<Oid, { file: FileObject; next: number; hasher: Hasher; object?: WireObject; tapped: boolean }>();
  private readonly filesWaitingOn = new Map<Oid, Oid[]>();
  private readonly verifiedFiles = new Set<Oid>();
  /** Deltas waiting for their base, by base id (only when `deferMissingBases`). */
  private readonly waiting = new Map<Oid, WireObject[]>();
  private lastCommit = Date.now();
  stored = 0;
  storedBytes = 0;
  skipped = 0;

  /**
   * `deferMissingBases`: hold a delta whose base is not here yet until it arrives (a fetch
   * asks for bases as it learns of them). `partial`: trees may name file content not held
   * (a partial clone fetches content when a checkout needs it).
   */
  constructor(private readonly objects: ObjectStore, private readonly opts: { deferMissingBases?: boolean; partial?: boolean; tap?: ContentTap } = {}) {
    this.batch = objects.batch();
    this.pool = StorePool.forStore(objects.dvDir);
  }

  /** True when the object is stored or verified and queued. */
  holds(id: Oid): boolean {
    return this.unflushed.has(id) || this.objects.has(id);
  }

  /** Delta payloads held back until their base arrives. */
  get waitingCount(): number {
    let n = 0;
    for (const list of this.waiting.values()) n += list.length;
    return n;
  }

  /**
   * Verifies and queues one object. Returns the base id when the object is a delta whose
   * base is not held yet and deferring is allowed (it is stored once the base arrives).
   */
  async add(o: WireObject): Promise<Oid | undefined> {
    this.check();
    if (this.holds(o.id) || this.verifying.has(o.id)) { this.skipped++; return undefined; }
    if (o.kind === 'blob' && o.encoding !== ENCODING_DELTA && this.pool && o.payload.length >= POOL_MIN_PAYLOAD) {
      this.verifyOnWorker(this.pool, o);
      if (this.pool.bytesInFlight > POOL_INFLIGHT_BYTES) await this.pool.waitBelow(POOL_INFLIGHT_BYTES / 2);
      this.check();
      return undefined;
    }
    // Anything checked against other objects waits for the blobs in flight.
    if (this.verifying.size > 0 && (o.kind !== 'blob' || o.encoding === ENCODING_DELTA)) await this.settle();
    return this.addVerifiedHere(o);
  }

  private verifyOnWorker(pool: StorePool, o: WireObject): void {
    this.verifying.add(o.id);
    pool.verify(o.id, o.encoding, o.payload, (verified, err) => {
      this.verifying.delete(o.id);
      if (this.failure) return;
      try {
        if (err) throw err;
        // The payload went to the worker and came back: store the one handed back.
        this.accept({ ...o, payload: verified!.payload }, { kind: 'blob', data: verified!.bytes });
      } catch (e) {
        this.failure = e as Error;
      }
    });
  }

  /** Waits until every blob handed to the workers is verified and queued (or one failed). */
  async settle(): Promise<void> {
    if (this.pool && this.verifying.size > 0) await this.pool.drain();
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private addVerifiedHere(o: WireObject): Oid | undefined {
    if (o.kind === 'blob' && o.encoding === ENCODING_DELTA) {
      const base = oidFromBytes(payloadDeltaBase(o.payload, o.id).base);
      if (!this.holds(base)) {
        if (!this.opts.deferMissingBases) {
          throw new RemoteError(`object ${o.id} is a delta against ${base}, which was neither held nor sent first`, { data: { id: o.id, base } });
        }
        const list = this.waiting.get(base) ?? [];
        list.push(o);
        this.waiting.set(base, list);
        return base;
      }
    }
    this.verifyAndQueue(o);
    return undefined;
  }

  private verifyAndQueue(o: WireObject): void {
    this.accept(o, verifyPayload(o.id, o, (base) => this.blobBytes(base)));
  }

  /** Queues an object whose payload was verified (here or on a worker), and what waited for it. */
  private accept(o: WireObject, obj: DecodedObject): void {
    if (obj.kind === 'file') {
      // Stored once its content hashed right: at once if every chunk is held, else as they arrive.
      this.expectFile(o.id, obj.file, o);
      return;
    }
    if (obj.kind === 'blob') {
      this.cache.remember(o.id, obj.data);
      const tap = this.opts.tap;
      if (tap?.wants(o.id)) { tap.start(o.id); tap.write(o.id, obj.data); tap.end(o.id, true); }
    } else {
      for (const l of objectLinks(o.id, obj)) {
        if (!l.weak && !(this.opts.partial && l.expect === 'content') && !this.holds(l.id)) {
          throw new CorruptObjectError(`object ${o.id} arrived before ${l.id} (${l.from}), which it needs`, { data: { id: o.id, missing: l.id } });
        }
      }
    }
    this.queue(o);
    if (obj.kind === 'blob') {
      const files = this.filesWaitingOn.get(o.id);
      if (files) {
        this.filesWaitingOn.delete(o.id);
        for (const f of files) this.advanceFile(f, o.id, obj.data);
      }
    }
    const waiting = this.waiting.get(o.id);
    if (waiting) {
      this.waiting.delete(o.id);
      for (const w of waiting) this.addVerifiedHere(w);
    }
  }

  private queue(o: WireObject): void {
    this.batch.putPayload(oidToBytes(o.id), { kind: o.kind, encoding: o.encoding, payload: o.payload });
    this.unflushed.add(o.id);
    if (Date.now() - this.lastCommit >= COMMIT_INTERVAL_MS) this.commit();
    this.stored++;
    this.storedBytes += o.payload.length;
  }

  /**
   * Starts verifying a file's content (its chunks hashed in order against its id) as its
   * chunks become held, so content is hashed as it streams in rather than read back. With
   * `o` (the file object itself, already checked by verifyPayload) the file is stored when
   * the check passes; without it the result is remembered for when the object is added.
   */
  expectFile(id: Oid, file: FileObject, o?: WireObject): void {
    if (this.verifiedFiles.has(id)) {
      if (o && !this.holds(id)) this.queue(o);
      return;
    }
    const pending = this.pendingFiles.get(id);
    if (pending) { pending.object ??= o; return; }
    const tapped = this.opts.tap?.wants(id) ?? false;
    if (tapped) this.opts.tap!.start(id);
    this.pendingFiles.set(id, { file, next: 0, hasher: createHasher(), object: o, tapped });
    this.advanceFile(id);
  }

  private advanceFile(id: Oid, arrivedId?: Oid, arrived?: Uint8Array): void {
    const v = this.pendingFiles.get(id)!;
    while (v.next < v.file.chunks.length) {
      const c = v.file.chunks[v.next]!;
      let bytes: Uint8Array;
      if (arrived && c.id === arrivedId) { bytes = arrived; arrived = undefined; }
      else if (this.holds(c.id)) bytes = this.blobBytes(c.id);
      else {
        const list = this.filesWaitingOn.get(c.id) ?? [];
        list.push(id);
        this.filesWaitingOn.set(c.id, list);
        return;
      }
      if (bytes.length !== c.size) {
        this.pendingFiles.delete(id);
        if (v.tapped) this.opts.tap!.end(id, false);
        throw new CorruptObjectError(`object ${c.id} has the wrong size for file ${id}`, { data: { id: c.id, file: id } });
      }
      v.hasher.update(bytes);
      if (v.tapped) this.opts.tap!.write(id, bytes);
      v.next++;
    }
    this.pendingFiles.delete(id);
    const actual = v.hasher.digest();
    if (v.tapped) this.opts.tap!.end(id, actual === id);
    if (actual !== id) throw new CorruptObjectError(`object ${id} is corrupt: its content hashes to ${actual}`, { data: { id, actual } });
    this.verifiedFiles.add(id);
    if (v.object) this.queue(v.object);
  }

  /** Makes everything verified so far durable (also after a failure, so a retry skips it). */
  commit(): void {
    this.batch.commitPending();
    this.unflushed.clear();
    this.lastCommit = Date.now();
  }

  /** Commits and closes; throws when deltas still wait for a base that never came. */
  async finish(): Promise<void> {
    await this.settle();
    this.batch.flush();
    this.unflushed.clear();
    for (const [id, v] of this.pendingFiles) {
      if (v.object) throw new RemoteError(`file ${id} arrived but its chunk ${v.file.chunks[v.next]!.id} never did`, { data: { id } });
    }
    if (this.waiting.size > 0) {
      const [base] = this.waiting.keys();
      throw new RemoteError(`${this.waitingCount} delta(s) arrived without their base ${base}`, { data: { base } });
    }
  }

  /** Commits what was verified and closes, ignoring deltas still waiting (after an error). */
  async abandon(): Promise<void> {
    try {
      await this.settle();
    } catch {
      // The transfer already failed; keep what was verified.
    }
    this.batch.flush();
    this.unflushed.clear();
  }

  private blobBytes(id: Oid): Uint8Array {
    const cached = this.cache.get(id);
    if (cached) return cached;
    if (this.unflushed.has(id)) this.commit();
    return this.objects.readDeltaBase(id, id);
  }
}

/** Imports a stream of objects through an ObjectImporter (the receiving end of putObjects). */
export async function importObjects(objects: ObjectStore, stream: AsyncIterable<WireObject>): Promise<{ stored: number; skipped: number; bytes: number }> {
  const imp = new ObjectImporter(objects);
  try {
    for await (const o of stream) await imp.add(o);
  } catch (err) {
    await imp.abandon();
    throw err;
  }
  await imp.finish();
  return { stored: imp.stored, skipped: imp.skipped, bytes: imp.storedBytes };
}
