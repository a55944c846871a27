import { CORRUPT_HINT, CorruptObjectError, RemoteError } from '../errors/index.js';
import { chunkOffsets, objectLinks, type DecodedObject, type FileObject } from '../objects/index.js';
import { blobVerifier, newTransfer, ENCODING_DELTA, deltaBase as payloadDeltaBase, type BlobVerifier, type StoredLink, verifyPayload, type ChunkUse, type ObjectStore, type VerifiedBlob, type WriteBatch } from '../store/index.js';
import { canHashInPieces, createHasher, createPieceHasher, oidFromBytes, type Hasher, type Oid, type PieceHasher } from '../hash/index.js';
import { BlobCache } from './blob-cache.js';
import { ThreadHeldBlobs } from './thread-held-blobs.js';
import type { WireObject } from './transport.js';

/**
 * Where a transfer writes verified file content as it streams in: `wants` says which
 * content ids to write out (a clone's checked-out files); `start` opens the file at
 * `pathOf` for content of the given size, which worker threads write chunks into at
 * their offsets while the main thread `write`s the rest; `end` says whether the whole verified (every write has
 * returned by then). PreparedContent implements it.
 */
export interface ContentTap {
  wants(id: Oid): boolean;
  start(id: Oid, size: number): void;
  pathOf(id: Oid): string;
  write(id: Oid, bytes: Uint8Array, position: number): void;
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

export interface ImportOptions { deferMissingBases?: boolean; partial?: boolean; tap?: ContentTap; verifier?: BlobVerifier | null }

/** Where a chunk falls in a pending file: the file, and the chunk's index in its list. */
interface ChunkPlace { file: Oid; index: number }

/** A file object whose content is being hashed, chunk by chunk in order, before it is stored. */
interface PendingFile {
  file: FileObject;
  /** The content offset of each chunk. */
  offsets: number[];
  /** The first chunk not hashed yet. */
  next: number;
  hasher: Hasher | PieceHasher;
  /** Hash pieces made by the workers, by chunk index, until their turn comes. */
  pieces: Map<number, Uint8Array>;
  /** Chunks held here whose pieces the verifier's threads are making from the store. */
  awaiting: Set<number>;
  /** The file object itself once it arrived (stored when the content checks out). */
  object?: WireObject;
  tapped: boolean;
  /** Where the tapped file is written (asked once: a clone of 512 MB asks for every chunk). */
  tapPath?: string;
  /** A worker failed to write one of its chunks into the tapped file. */
  unwritten: boolean;
}

/**
 * The verifying import: every received object is decoded and hashed against its id (a
 * file object's chunks are hashed as its content) before it is written, and an object is
 * only written once everything it refers to is held, so the store never holds part of
 * something. Verified objects are committed as they accumulate; an interrupted transfer
 * keeps them, and a retry skips them.
 *
 * Blobs are decoded and hashed on other threads when there are any (native ones with the
 * addon, else store workers: see blobVerifier), while the main thread parses, joins file
 * hashes and writes. A chunk of a file already announced
 * is hashed there as a piece of the file's hash too, and written into the file when it is
 * being checked out, so its bytes never come back. Whatever refers to other objects (a
 * tree, a commit, a delta) waits until the blobs in flight are settled, so it is checked
 * against exactly what was verified, in arrival order.
 */
export class ObjectImporter {
  private readonly batch: WriteBatch;
  private readonly unflushed = new Set<Oid>();
  /**
   * Everything queued here, when the store held nothing as the import began (a clone):
   * then it holds only these, and asking it about each of thousands of chunks is skipped.
   * An object another process stores meanwhile is fetched and stored again, which is harmless.
   */
  private readonly queuedIntoEmpty: Set<Oid> | undefined;
  private readonly pool: BlobVerifier | undefined;
  /** Whether the verifier's threads hash chunks as pieces of their files (needs the native addon). */
  private readonly inPieces: boolean;
  /** Blobs on the workers, not verified yet. */
  private readonly verifying = new Set<Oid>();
  /** Held chunks whose pieces the verifier's threads are making (hashHeldChunk). */
  private heldJobs = 0;
  /** The first verification that failed on a worker; thrown at the next add or finish. */
  private failure: Error | undefined;
  private readonly cache = new BlobCache(CACHE_BYTES);
  /** Files whose content is being hashed as their chunks arrive. */
  private readonly pendingFiles = new Map<Oid, PendingFile>();
  /** Where each chunk not received yet falls in the pending files (for the worker that verifies it). */
  private readonly chunkUses = new Map<Oid, ChunkPlace[]>();
  private readonly filesWaitingOn = new Map<Oid, Oid[]>();
  private readonly verifiedFiles = new Set<Oid>();
  /** Deltas held back until their base is verified and queued, by base id (see park). */
  private readonly waiting = new Map<Oid, WireObject[]>();
  /** The ids of the deltas in `waiting`. */
  private readonly parked = new Set<Oid>();
  private lastCommit = Date.now();
  /** Blobs verified on the verifier's threads for this import serve its later deltas there (VerifyRequest.transfer). */
  private readonly transfer = newTransfer();
  /**
   * Whether blobs are kept on the threads for deltas (VerifyRequest.transfer): from the
   * first delta received on. Keeping costs a copy of every blob's bytes there, which a
   * transfer without deltas (one version of a file) would pay for nothing.
   */
  private deltasSeen = false;
  /** Blobs the verifier's threads verified lately, which they still hold for the deltas that follow. */
  private readonly onThreads = new ThreadHeldBlobs();
  stored = 0;
  storedBytes = 0;
  skipped = 0;

  /**
   * `deferMissingBases`: hold a delta whose base is not here yet until it arrives (a fetch
   * asks for bases as it learns of them). `partial`: trees may name file content not held
   * (a partial clone fetches content when a checkout needs it). `verifier`: what checks
   * blobs off the main thread (default: blobVerifier's choice; null: none).
   */
  constructor(private readonly objects: ObjectStore, private readonly opts: ImportOptions = {}) {
    // The disk works while verifying goes on; what is in flight stays in `unflushed` until a commit here.
    this.batch = objects.batch({ backgroundCommits: true });
    this.queuedIntoEmpty = objects.isEmpty() ? new Set() : undefined;
    this.pool = opts.verifier === undefined ? blobVerifier(objects.dvDir) : opts.verifier ?? undefined;
    this.inPieces = this.pool !== undefined && canHashInPieces();
  }

  /** True when the object is stored or verified and queued. */
  holds(id: Oid): boolean {
    return this.unflushed.has(id) || (this.queuedIntoEmpty ? this.queuedIntoEmpty.has(id) : this.objects.has(id));
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
   * `decoded`: what verifyPayload already made of a structured object's payload (not decoded twice).
   */
  async add(o: WireObject, decoded?: DecodedObject): Promise<Oid | undefined> {
    this.check();
    if (this.holds(o.id) || this.verifying.has(o.id) || this.parked.has(o.id)) { this.skipped++; return undefined; }
    const base = o.kind === 'blob' && o.encoding === ENCODING_DELTA ? oidFromBytes(payloadDeltaBase(o.payload, o.id).base) : undefined;
    if (base) this.deltasSeen = true;
    // A delta sent right after its base (a push of corrected data) waits for that base's
    // check instead of stalling every thread until all in flight are done; so does one
    // whose base waits for its own (a chain of deltas, sent base first).
    if (base && (this.verifying.has(base) || this.parked.has(base))) { this.park(base, o); return undefined; }
    const nearBase = base !== undefined && this.heldOnThreads(base);
    const chain = base && !nearBase ? this.storedBases(base) : undefined;
    if (this.pool && (nearBase || chain || (o.kind === 'blob' && o.encoding !== ENCODING_DELTA && o.payload.length >= POOL_MIN_PAYLOAD))) {
      this.verifyOnWorker(this.pool, o, chain);
      if (this.pool.bytesInFlight > POOL_INFLIGHT_BYTES) await this.pool.waitBelow(POOL_INFLIGHT_BYTES / 2);
      this.check();
      return undefined;
    }
    // Anything checked against other objects waits for the blobs in flight.
    if (this.verifying.size > 0 && (o.kind !== 'blob' || o.encoding === ENCODING_DELTA)) await this.settle();
    return this.addVerifiedHere(o, o.kind === 'blob' ? undefined : decoded);
  }

  /**
   * Where a delta's base and the bases under it are stored, when the verifier's threads
   * can decode it there: the base is verified and queued (its pack bytes are written out
   * for them), not still being verified.
   */
  private storedBases(base: Oid): StoredLink[] | undefined {
    if (!this.pool?.verifiesDeltas) return undefined;
    return this.verifying.has(base) ? undefined : this.batch.storedChain(base);
  }

  /** Holds a delta back until its base is verified and queued (acceptBlob takes it on). */
  private park(base: Oid, o: WireObject): void {
    const list = this.waiting.get(base) ?? [];
    list.push(o);
    this.waiting.set(base, list);
    this.parked.add(o.id);
  }

  /**
   * Whether the verifier's threads verified blob `id` lately in this import, and so a delta
   * against it goes there without its chain of stored bases: they still hold its bytes.
   * Such a chain could not always be given anyway (a payload of 64 bytes or less is stored
   * inline, not in a pack the threads can read), and its newest links would first have to
   * be written out to the pack; decoding it would decode every older link again.
   */
  private heldOnThreads(id: Oid): boolean {
    return this.pool?.verifiesDeltas === true && this.onThreads.has(id);
  }

  /** The transfer under which the threads keep what they verify now (undefined: they keep nothing). */
  private keptFor(): number | undefined {
    return this.deltasSeen && this.pool?.verifiesDeltas ? this.transfer : undefined;
  }

  /** Takes on a delta whose base (`base`) is now held: on the verifier's threads when they can get at the base, else here. */
  private addHeldDelta(o: WireObject, base: Oid): void {
    if (this.holds(o.id) || this.verifying.has(o.id)) return;
    if (this.pool && this.heldOnThreads(base)) { this.verifyOnWorker(this.pool, o); return; }
    // A base whose bytes came back is decoded against here: cheaper than a thread reading and decompressing it again.
    const chain = this.cache.has(base) ? undefined : this.storedBases(base);
    if (this.pool && chain) this.verifyOnWorker(this.pool, o, chain);
    else this.addVerifiedHere(o);
  }

  /**
   * Hands a blob to the verifier's threads. A delta goes with its stored bases (`chain`),
   * or without when its base was verified there lately (heldOnThreads): the threads keep
   * such blobs for a while (VerifyRequest.transfer), and a delta whose base they no longer
   * hold comes back undecided and is sent again with its chain, or checked here.
   */
  private verifyOnWorker(pool: BlobVerifier, o: WireObject, chain?: StoredLink[], taken = this.takeUses(o.id)): void {
    const { uses, size } = taken;
    const places: ChunkUse[] = uses.map(({ file, index }) => {
      const v = this.pendingFiles.get(file)!;
      return { offset: v.offsets[index]!, contentSize: v.file.size, path: v.tapPath };
    });
    // Bytes come back only when something here needs them (no file to hash them into, or a tapped blob).
    const keep = uses.length === 0 || (this.opts.tap?.wants(o.id) ?? false);
    this.verifying.add(o.id);
    const transfer = this.keptFor();
    pool.verify(o.id, o.encoding, o.payload, { uses: places, size, keep, chain, transfer }, (verified, err) => {
      this.verifying.delete(o.id);
      if (this.failure) return;
      try {
        if (err) throw err;
        if (!verified) {
          const again = !chain && o.encoding === ENCODING_DELTA ? this.storedBases(oidFromBytes(payloadDeltaBase(o.payload, o.id).base)) : undefined;
          // A delta whose stored bases did not read back right there: checked here, where that is reported.
          if (again) this.verifyOnWorker(pool, o, again, taken);
          else this.addVerifiedHere(o);
          return;
        }
        if (transfer) this.onThreads.add(o.id, size ?? verified.bytes?.length ?? o.payload.length);
        this.acceptFromWorker({ ...o, payload: verified.payload }, verified, uses);
      } catch (e) {
        this.failure = e as Error;
      }
    });
  }

  /**
   * The places in pending files a blob about to be verified fills, and the size they list
   * for it, taken off the list so only its worker makes their pieces. A place whose listed
   * size differs from the first's is left to be checked here (and refused) when its turn comes.
   */
  private takeUses(id: Oid): { uses: ChunkPlace[]; size?: number } {
    const list = this.chunkUses.get(id);
    if (!list) return { uses: [] };
    this.chunkUses.delete(id);
    const live = list.filter((u) => {
      const v = this.pendingFiles.get(u.file);
      return v !== undefined && v.next <= u.index && !v.pieces.has(u.index);
    });
    const sizeAt = (u: ChunkPlace) => this.pendingFiles.get(u.file)!.file.chunks[u.index]!.size;
    const size = live[0] && sizeAt(live[0]);
    return { uses: live.filter((u) => sizeAt(u) === size), size };
  }

  private acceptFromWorker(o: WireObject, verified: VerifiedBlob, uses: ChunkPlace[]): void {
    this.placePieces(uses, verified);
    this.acceptBlob(o, verified.bytes);
    for (const file of new Set(uses.map((u) => u.file))) this.advanceFile(file);
  }

  /** Hands each place its hash piece from a verified blob (none when it is not verified), and notes failed writes. */
  private placePieces(places: ChunkPlace[], verified: VerifiedBlob | undefined): void {
    places.forEach((u, i) => {
      const v = this.pendingFiles.get(u.file);
      if (!v) return;
      v.awaiting.delete(u.index);
      if (!verified) return;
      v.pieces.set(u.index, verified.pieces![i]!);
      if (verified.unwritten![i]) v.unwritten = true;
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

  private addVerifiedHere(o: WireObject, decoded?: DecodedObject): Oid | undefined {
    if (o.kind === 'blob' && o.encoding === ENCODING_DELTA) {
      const base = oidFromBytes(payloadDeltaBase(o.payload, o.id).base);
      if (!this.holds(base)) {
        if (!this.opts.deferMissingBases) {
          throw new RemoteError(`object ${o.id} is a delta against ${base}, which was neither held nor sent first`, { data: { id: o.id, base } });
        }
        this.park(base, o);
        return base;
      }
    }
    this.accept(o, decoded ?? verifyPayload(o.id, o, (base) => this.blobBytes(base)));
    return undefined;
  }

  /** Queues an object whose payload was verified here, and what waited for it. */
  private accept(o: WireObject, obj: DecodedObject): void {
    if (obj.kind === 'file') {
      // Stored once its content hashed right: at once if every chunk is held, else as they arrive.
      this.expectFile(o.id, obj.file, o);
      return;
    }
    if (obj.kind === 'blob') {
      this.acceptBlob(o, obj.data);
      return;
    }
    for (const l of objectLinks(o.id, obj)) {
      if (!l.weak && !(this.opts.partial && l.expect === 'content') && !this.holds(l.id)) {
        throw new CorruptObjectError(`object ${o.id} arrived before ${l.id} (${l.from}), which it needs`, { data: { id: o.id, missing: l.id } });
      }
    }
    this.queue(o);
  }

  /** Queues a verified blob (`data`: its bytes, when they came back) and moves on what waited for it. */
  private acceptBlob(o: WireObject, data: Uint8Array | undefined): void {
    if (data) {
      this.cache.remember(o.id, data);
      const tap = this.opts.tap;
      if (tap?.wants(o.id)) { tap.start(o.id, data.length); tap.write(o.id, data, 0); tap.end(o.id, true); }
    }
    this.chunkUses.delete(o.id);
    this.queue(o);
    const files = this.filesWaitingOn.get(o.id);
    if (files) {
      this.filesWaitingOn.delete(o.id);
      for (const f of files) this.advanceFile(f, o.id, data);
    }
    const waiting = this.waiting.get(o.id);
    if (waiting) {
      this.waiting.delete(o.id);
      for (const w of waiting) {
        this.parked.delete(w.id);
        this.addHeldDelta(w, o.id);
      }
    }
  }

  private queue(o: WireObject): void {
    // add() found it not held before it was verified.
    this.batch.putImported(o.id, { kind: o.kind, encoding: o.encoding, payload: o.payload });
    this.unflushed.add(o.id);
    this.queuedIntoEmpty?.add(o.id);
    // With one still waiting for the disk, the next waits too (a synchronous commit would stall verifying).
    if (Date.now() - this.lastCommit >= COMMIT_INTERVAL_MS && !this.batch.committing) {
      this.batch.commitInBackground();
      this.lastCommit = Date.now();
    }
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
    if (tapped) this.opts.tap!.start(id, file.size);
    const offsets = chunkOffsets(file);
    this.pendingFiles.set(id, {
      file, offsets, next: 0, hasher: this.inPieces ? createPieceHasher() : createHasher(), pieces: new Map(), awaiting: new Set(), object: o, tapped, tapPath: tapped ? this.opts.tap!.pathOf(id) : undefined, unwritten: false,
    });
    if (this.inPieces) {
      const held = new Map<Oid, number[]>();
      file.chunks.forEach((c, index) => {
        if (this.holds(c.id) || this.verifying.has(c.id)) {
          if (!this.verifying.has(c.id) && !this.cache.has(c.id)) held.set(c.id, [...(held.get(c.id) ?? []), index]);
          return;
        }
        const list = this.chunkUses.get(c.id);
        if (list) list.push({ file: id, index });
        else this.chunkUses.set(c.id, [{ file: id, index }]);
      });
      for (const [chunk, indexes] of held) this.hashHeldChunk(id, chunk, indexes);
    }
    this.advanceFile(id);
  }

  /**
   * Has the verifier's threads make the pieces of a chunk held here (and write it into a
   * tapped file) from the store, so a file that arrived around chunks already held (a
   * correction) is hashed without this thread decoding them. A chunk whose bytes cannot be
   * read by path (stored inline), or that does not read back right there, is read here when its turn comes.
   */
  private hashHeldChunk(fileId: Oid, chunk: Oid, indexes: number[]): void {
    const v = this.pendingFiles.get(fileId)!;
    const chain = this.pool?.verifyStored && this.batch.storedChain(chunk);
    if (!chain) return;
    // Places listing another size than the first are left to the in-order check, which refuses them.
    const size = v.file.chunks[indexes[0]!]!.size;
    const same = indexes.filter((i) => v.file.chunks[i]!.size === size);
    for (const i of same) v.awaiting.add(i);
    this.heldJobs++;
    const transfer = this.keptFor();
    this.pool!.verifyStored!(chunk, chain, { uses: same.map((i) => ({ offset: v.offsets[i]!, contentSize: v.file.size, path: v.tapPath })), size, transfer }, (verified, err) => {
      this.heldJobs--;
      if (this.failure) return;
      try {
        if (err) throw err;
        if (verified && transfer) this.onThreads.add(chunk, size);
        this.placePieces(same.map((index) => ({ file: fileId, index })), verified);
        this.advanceFile(fileId);
      } catch (e) {
        this.failure = e as Error;
      }
    });
  }

  /**
   * Hashes a pending file's chunks from where it stopped, in order: a piece a worker made,
   * or the bytes of a chunk held here (`arrived`, when it just came with id `arrivedId`).
   * Stops at the first chunk not here yet; finishes the file when all are hashed.
   */
  private advanceFile(id: Oid, arrivedId?: Oid, arrived?: Uint8Array): void {
    const v = this.pendingFiles.get(id);
    if (!v) return;
    const tap = v.tapped ? this.opts.tap! : undefined;
    while (v.next < v.file.chunks.length) {
      const c = v.file.chunks[v.next]!;
      const piece = v.pieces.get(v.next);
      if (piece) {
        v.pieces.delete(v.next);
        (v.hasher as PieceHasher).add(piece);
        v.next++;
        continue;
      }
      if (v.awaiting.has(v.next)) return;
      let bytes: Uint8Array;
      if (arrived && c.id === arrivedId) bytes = arrived;
      else if (this.holds(c.id) && !this.verifying.has(c.id)) bytes = this.blobBytes(c.id);
      else {
        const list = this.filesWaitingOn.get(c.id) ?? [];
        if (!list.includes(id)) list.push(id);
        this.filesWaitingOn.set(c.id, list);
        return;
      }
      if (bytes.length !== c.size) {
        this.pendingFiles.delete(id);
        tap?.end(id, false);
        throw new CorruptObjectError(`object ${c.id} has the wrong size for file ${id}`, { data: { id: c.id, file: id } });
      }
      v.hasher.update(bytes);
      tap?.write(id, bytes, v.offsets[v.next]!);
      v.next++;
    }
    this.pendingFiles.delete(id);
    const actual = v.hasher.digest();
    tap?.end(id, actual === id && !v.unwritten);
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
    if (this.heldJobs > 0) await this.pool!.drain();
    this.pool?.endTransfer?.(this.transfer);
    this.check();
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
      if (this.heldJobs > 0) await this.pool!.drain();
    } catch {
      // The transfer already failed; keep what was verified.
    }
    this.pool?.endTransfer?.(this.transfer);
    this.batch.flush();
    this.unflushed.clear();
  }

  /** A held blob's bytes (a delta's base, a file's chunk); one damaged here is this repository's problem, and said so. */
  private blobBytes(id: Oid): Uint8Array {
    const cached = this.cache.get(id);
    if (cached) return cached;
    if (this.unflushed.has(id) && !this.objects.has(id)) {
      // Verified and queued, not committed: decoded from the batch. Committing instead costs
      // a disk flush per delta whose base came moments before it (a clone of corrected data).
      const queued = this.batch.pendingPayload(id);
      if (!queued) this.commit();
      else {
        const obj = verifyPayload(id, queued, (base) => this.blobBytes(base));
        if (obj.kind !== 'blob') throw new CorruptObjectError(`object ${id} is used as a delta base but is a ${obj.kind}`, { data: { id } });
        this.cache.remember(id, obj.data);
        return obj.data;
      }
    }
    try {
      return this.objects.readDeltaBase(id, id);
    } catch (err) {
      if (!(err instanceof CorruptObjectError) || err.hint) throw err;
      throw new CorruptObjectError(`${err.message}: this repository's copy, which a received object needs, is damaged`, { data: err.data, hint: CORRUPT_HINT, cause: err });
    }
  }
}

/** Imports a stream of objects through an ObjectImporter (the receiving end of putObjects). */
export async function importObjects(objects: ObjectStore, stream: AsyncIterable<WireObject>, opts: ImportOptions = {}): Promise<{ stored: number; skipped: number; bytes: number }> {
  const imp = new ObjectImporter(objects, opts);
  try {
    for await (const o of stream) await imp.add(o);
  } catch (err) {
    await imp.abandon();
    throw err;
  }
  await imp.finish();
  return { stored: imp.stored, skipped: imp.skipped, bytes: imp.storedBytes };
}
