import { CorruptObjectError, NotFoundError, AmbiguousError, InternalError, CORRUPT_HINT } from '../errors/index.js';
import { hashBytesRaw, createHasher, oidFromBytes, oidToBytes, MIN_PREFIX_LENGTH, type Oid } from '../hash/index.js';
import {
  decodeObject, encodeCommit, encodeTag, encodeTree, encodeFileObject, encodeRecord as encodeGeneric,
  type ChunkRef, type Commit, type DecodedObject, type FileObject, type GenericRecord, type ObjectKind, type Tag, type Tree,
} from '../objects/index.js';
import { bumpGeneration, type StoreEnv } from './environment.js';
import { MAX_DELTA_DEPTH, PACKED, decodePayloadInto, encodeBlob, encodePayload, type DeltaBase, inlineRecord, locatorRecord, payloadDepth, recordDeltaBase, recordKind, recordLocation, statedContentSize, type EncodedPayload } from './record.js';
import { checkEncoding, verifyObjectBytes, verifyPayload } from './verify-payload.js';
import { BaseBuffers, MAX_POOLED_BASE } from './base-buffers.js';
import { PackReader, PackWriter, packPath, type PackLocation } from './pack-store.js';
import type { StorePool } from './store-pool.js';
import { streamChunks, streamsOnWorker } from './content-stream.js';

/** Commit a write batch's index entries when this many payload bytes were written. */
const BATCH_BYTES = 64 * 1024 * 1024;
/** Content payloads larger than this go to pack files; smaller ones and structured objects stay inline in LMDB. */
const PACK_MIN_BYTES = 64;
/** Chunk bytes queued on the encode workers beyond which the main thread encodes the next chunk itself. */
const POOL_INFLIGHT_BYTES = 8 * 1024 * 1024;
/** Bytes stored between the caller's pauses that let workers' results in. */
const YIELD_BYTES = 1024 * 1024;

/** A stored blob payload in a pack file: what a native thread needs to read it itself. */
export interface StoredLink { id: Oid; path: string; offset: number; length: number; encoding: number }

/**
 * What a native thread needs to decode a stored blob: the pack places of it and its
 * bases (`chain`, the plain one first), or for a blob stored inline its payload, with the
 * chain of its base when it is a delta.
 */
export interface ThreadSource { chain?: StoredLink[]; inline?: { encoding: number; payload: Uint8Array } }

/** A stored payload's place: inline in its record, or in a pack. */
export interface StoredPayload {
  kind: ObjectKind;
  encoding: number;
  length: number;
  inline?: Uint8Array;
  loc?: PackLocation;
}

/** The object database: content-addressed, verified on every read. */
export class ObjectStore {
  private readonly packs: PackReader;

  constructor(readonly env: StoreEnv, readonly dvDir: string) {
    this.packs = new PackReader(dvDir);
  }

  /** Closes pack file handles. */
  close(): void {
    this.packs.close();
  }

  /** True when the object is stored. */
  has(id: Oid): boolean {
    return this.hasRaw(oidToBytes(id));
  }

  /** `has` for an id as its 32 raw bytes (answering a remote's "have?" without hex strings). */
  hasRaw(id: Buffer): boolean {
    return this.env.objects.doesExist(id);
  }

  /** True when no object is stored (a repository just made, as a clone's is). */
  isEmpty(): boolean {
    return this.env.objects.getKeysCount({ limit: 1 }) === 0;
  }

  /** The raw LMDB value (inline record or pack locator), or undefined. */
  getRecord(id: Oid): Buffer | undefined {
    return this.env.objects.getBinary(oidToBytes(id)) ?? undefined;
  }

  /** The stored payload of an object, read from its pack when packed (not yet verified). */
  readPayload(id: Oid): EncodedPayload | undefined {
    const p = this.locatePayload(id);
    if (!p) return undefined;
    return { kind: p.kind, encoding: p.encoding, payload: p.loc ? this.packs.read(p.loc, id) : p.inline! };
  }

  /**
   * Where an object's stored payload is, without reading it (not verified): for copying it
   * straight into a caller's buffer with `copyPayload`, as a transfer frames it.
   */
  locatePayload(id: Oid): StoredPayload | undefined {
    const rec = this.getRecord(id);
    if (!rec) return undefined;
    const kind = recordKind(rec, id);
    const loc = recordLocation(rec, id);
    if (loc) return { kind, encoding: rec[1]! & ~PACKED, length: loc.length, loc };
    return { kind, encoding: rec[1]!, length: rec.length - 2, inline: rec.subarray(2) };
  }

  /** Copies a located payload into `buf` at `at`. */
  copyPayload(id: Oid, p: StoredPayload, buf: Uint8Array, at: number): void {
    if (p.loc) this.packs.readInto(p.loc, id, buf, at);
    else buf.set(p.inline!, at);
  }

  /** The kind of a stored object, or undefined when absent. */
  kindOf(id: Oid): ObjectKind | undefined {
    const rec = this.getRecord(id);
    return rec ? recordKind(rec, id) : undefined;
  }

  /**
   * Reads and verifies an object. Blobs and structured objects are re-hashed; a file
   * object's chunk list is checked for consistency (its content is verified when streamed).
   */
  read(id: Oid): DecodedObject {
    const stored = this.readPayload(id);
    if (!stored) throw new NotFoundError(`object ${id} is missing`, { data: { id } });
    return this.decodeVerified(id, stored);
  }

  /** Decodes a stored payload and checks it against its id (see read). */
  private decodeVerified(id: Oid, stored: EncodedPayload): DecodedObject {
    try {
      return verifyPayload(id, stored, (base, of) => this.readDeltaBase(base, of));
    } catch (err) {
      throw withCorruptHint(err);
    }
  }

  /** A blob's verified bytes as the base of another object's delta. */
  readDeltaBase(base: Oid, of: Oid): Uint8Array {
    let obj: DecodedObject;
    try {
      obj = this.read(base);
    } catch (err) {
      // A delta is only stored while its base is (gc keeps it too): a base not there means a damaged delta or store.
      // Still a NotFoundError about the base (data.id), which fsck reports as the missing link.
      // (Only for this base itself: a base missing further down was named by the read of the delta above it.)
      if (err instanceof NotFoundError && err.data.id === base) throw new NotFoundError(`object ${of} is a delta against ${base}, which is missing`, { data: { id: base, delta: of }, hint: CORRUPT_HINT });
      throw err;
    }
    if (obj.kind !== 'blob') throw new CorruptObjectError(`object ${of} has a delta base ${base} that is a ${obj.kind}`, { data: { id: of, base } });
    return obj.data;
  }

  /**
   * Where a stored blob's payload lies, and those of the bases it is a delta against, the
   * plain one first (so native threads can decode it without this thread); undefined when
   * one of them is not a packed blob or its record is damaged (read it here instead).
   */
  storedChain(id: Oid): StoredLink[] | undefined {
    return chainOf(id, this.dvDir, (cur) => this.getRecord(cur));
  }

  /** What native threads need to decode a stored blob (ThreadSource), or undefined when a record on the way is missing or damaged. */
  threadSource(id: Oid): ThreadSource | undefined {
    const chain = this.storedChain(id);
    if (chain) return { chain };
    let p: StoredPayload | undefined;
    let base: Oid | undefined;
    try {
      p = this.locatePayload(id);
      base = this.deltaBaseId(id);
    } catch {
      return undefined; // a damaged record: reading it here says so
    }
    if (!p?.inline || p.kind !== 'blob') return undefined;
    const inline = { encoding: p.encoding, payload: p.inline };
    if (!base) return { inline };
    const baseChain = this.storedChain(base);
    return baseChain && { chain: baseChain, inline };
  }

  /** The id of the base a stored delta needs (from its record, without reading packs), or undefined when not a delta. */
  deltaBaseId(id: Oid): Oid | undefined {
    const rec = this.getRecord(id);
    const base = rec ? recordDeltaBase(rec, id) : undefined;
    return base ? oidFromBytes(base) : undefined;
  }

  /**
   * A stored blob as a delta base (its bytes and chain depth), or undefined if absent or
   * not a blob. With `buffers`, a compressed or delta payload is decoded into one of them
   * (give it back there once done with the base).
   */
  deltaBase(id: Oid, buffers?: BaseBuffers): DeltaBase | undefined {
    const stored = this.readPayload(id);
    if (!stored || stored.kind !== 'blob') return undefined;
    const depth = payloadDepth(stored);
    const size = buffers && statedContentSize(stored.encoding, stored.payload);
    if (size === undefined || size > MAX_POOLED_BASE) {
      // One pack read: the payload read for the kind and depth is the one decoded and verified.
      const obj = this.decodeVerified(id, stored);
      return obj.kind === 'blob' ? { id: oidToBytes(id), bytes: obj.data, depth } : undefined;
    }
    const target = buffers!.take(size);
    try {
      checkEncoding(id, 'blob', stored.encoding);
      // zstd refuses a frame whose content differs in size from what it states.
      const bytes = target.subarray(0, decodePayloadInto(stored.encoding, stored.payload, id, target, (base) => this.readDeltaBase(oidFromBytes(base), id)));
      verifyObjectBytes(id, bytes);
      return { id: oidToBytes(id), bytes, depth };
    } catch (err) {
      buffers!.give(target);
      throw withCorruptHint(err);
    }
  }

  /**
   * Reads a blob into `target` (decompressing straight into it) and returns its length.
   * NOT verified against its id: the caller must check it with verifyObjectBytes before
   * trusting the bytes (a read worker decodes while the reading thread verifies).
   */
  readBlobIntoUnverified(id: Oid, target: Uint8Array): number {
    const stored = this.readPayload(id);
    if (!stored) throw new NotFoundError(`object ${id} is missing`, { data: { id } });
    if (stored.kind !== 'blob') throw new NotFoundError(`object ${id} is a ${stored.kind}, not a blob`, { data: { id, kind: stored.kind } });
    return decodePayloadInto(stored.encoding, stored.payload, id, target, (base) => this.readDeltaBase(oidFromBytes(base), id));
  }

  /** Reads an object that must be of `kind`. */
  readKind<K extends DecodedObject['kind']>(id: Oid, kind: K): Extract<DecodedObject, { kind: K }> {
    const obj = this.read(id);
    if (obj.kind !== kind) throw new NotFoundError(`object ${id} is a ${obj.kind}, not a ${kind}`, { data: { id, kind: obj.kind } });
    return obj as Extract<DecodedObject, { kind: K }>;
  }

  readTree(id: Oid): Tree { return this.readKind(id, 'tree').tree; }
  readCommit(id: Oid): Commit { return this.readKind(id, 'commit').commit; }
  readTag(id: Oid): Tag { return this.readKind(id, 'tag').tag; }

  /**
   * Streams a file's content (blob or multi-chunk file), verifying every chunk and the
   * whole content against `id`. Throws CorruptObjectError before the last piece if anything differs.
   */
  async *readContent(id: Oid): AsyncGenerator<Uint8Array> {
    yield* this.readContentSync(id);
  }

  /**
   * Synchronous form of readContent. Large files are read ahead on a worker thread
   * (content-stream.ts); with `transient`, the caller uses each piece before asking for
   * the next (writes or hashes it) and gets views of the read-ahead ring, no copies.
   */
  *readContentSync(id: Oid, opts: { transient?: boolean } = {}): Generator<Uint8Array> {
    const obj = this.read(id);
    if (obj.kind === 'blob') { yield obj.data; return; }
    if (obj.kind !== 'file') throw new NotFoundError(`object ${id} is a ${obj.kind}, not file content`, { data: { id } });
    const whole = createHasher();
    const chunks = streamsOnWorker(obj.file.size, obj.file.chunks)
      ? streamChunks(this.dvDir, obj.file.chunks, !opts.transient)
      : this.readChunksHere(obj.file.chunks);
    try {
      for (const chunk of chunks) {
        whole.update(chunk);
        yield chunk;
      }
    } catch (err) {
      // A chunk the file lists is not stored: the file object (its chunk list in a pack) or the store is damaged.
      if (err instanceof NotFoundError && obj.file.chunks.some((c) => c.id === err.data.id)) {
        throw new NotFoundError(`object ${id} lists chunk ${String(err.data.id)}, which is missing`, { data: { id: err.data.id, file: id }, hint: CORRUPT_HINT });
      }
      throw err;
    }
    const actual = whole.digest();
    if (actual !== id) throw new CorruptObjectError(`object ${id} is corrupt: its content hashes to ${actual}`, { data: { id, actual } });
  }

  /** A file's chunks read, decoded and verified on this thread, in order. */
  private *readChunksHere(chunks: readonly ChunkRef[]): Generator<Uint8Array> {
    for (const c of chunks) {
      const chunk = this.readKind(c.id, 'blob').data;
      if (chunk.length !== c.size) throw new CorruptObjectError(`object ${c.id} has the wrong size`, { data: { id: c.id } });
      yield chunk;
    }
  }

  /** The whole content of a file object in memory (for small files and tests). */
  readContentBuffer(id: Oid): Buffer {
    return Buffer.concat([...this.readContentSync(id)]);
  }

  /** Size in bytes of file content without reading it. */
  contentSize(id: Oid): number {
    const obj = this.read(id);
    if (obj.kind === 'blob') return obj.data.length;
    if (obj.kind === 'file') return obj.file.size;
    throw new NotFoundError(`object ${id} is a ${obj.kind}, not file content`, { data: { id } });
  }

  /** Ids starting with a hex prefix (at least 4 characters), stopping after `limit` matches. */
  resolvePrefix(prefix: string, limit = 2): Oid[] {
    const p = prefix.toLowerCase();
    if (p.length < MIN_PREFIX_LENGTH || !/^[0-9a-f]+$/.test(p)) return [];
    const lo = Buffer.from(p.padEnd(64, '0'), 'hex');
    const hi = Buffer.from(p.padEnd(64, 'f'), 'hex');
    const found: Oid[] = [];
    for (const key of this.env.objects.getKeys({ start: lo, end: Buffer.concat([hi, Buffer.from([0])]) })) {
      found.push(oidFromBytes(key as Buffer));
      if (found.length >= limit) break;
    }
    return found;
  }

  /** Like resolvePrefix but requires exactly one match. */
  resolveUniquePrefix(prefix: string): Oid {
    const found = this.resolvePrefix(prefix);
    if (found.length === 0) throw new NotFoundError(`no object matches ${prefix}`);
    if (found.length > 1) throw new AmbiguousError(`short id ${prefix} is ambiguous`, { hint: 'give more characters of the id' });
    return found[0]!;
  }

  /** Every stored id (for fsck and gc). */
  *allIds(): Generator<Oid> {
    for (const key of this.env.objects.getKeys()) yield oidFromBytes(key as Buffer);
  }

  /**
   * Starts a batch of writes committed together; with `backgroundCommits`, the commits it
   * makes itself do not wait for the disk (see WriteBatch.commitInBackground).
   */
  batch(opts: { backgroundCommits?: boolean } = {}): WriteBatch {
    return new WriteBatch(this.env, this.dvDir, (id, buffers) => this.deltaBase(id, buffers), opts.backgroundCommits ?? false);
  }

  /** Writes one structured object and returns its id. */
  writeTree(tree: Tree): Oid { return this.writeOne('tree', encodeTree(tree)); }
  writeCommit(commit: Commit): Oid { return this.writeOne('commit', encodeCommit(commit)); }
  writeTag(tag: Tag): Oid { return this.writeOne('tag', encodeTag(tag)); }
  writeRecord(kind: 'run' | 'experiment' | 'incident', record: GenericRecord): Oid {
    return this.writeOne(kind, encodeGeneric(kind, record));
  }

  private writeOne(kind: ObjectKind, bytes: Uint8Array): Oid {
    const b = this.batch();
    const id = b.putStructured(kind, bytes);
    b.flush();
    return id;
  }
}

/** A commit whose pack bytes are being flushed in the background, its entries written after. */
interface CommitInFlight { items: Array<[Buffer, Buffer]>; keys: PendingKeys; taken: boolean }

/** Ids (hex) added but not committed, with their records (null while a worker still encodes the payload). */
type PendingKeys = Map<string, Buffer | null>;

/**
 * Collects objects and writes them in few LMDB transactions. Content payloads are
 * appended to this batch's own pack file as they come (memory stays flat); their
 * locators, like inline objects, become visible only when `flush` commits, after the
 * pack bytes are on disk. Objects already stored are skipped.
 */
export class WriteBatch {
  private pending: Array<[Buffer, Buffer]> = [];
  private pendingKeys: PendingKeys = new Map();
  private inFlight: CommitInFlight | undefined;
  /** Why a background commit failed; thrown by the next add or commit. */
  private backgroundFailure: Error | undefined;
  private bytes = 0;
  private pack: PackWriter | null = null;
  private pool: StorePool | undefined;
  private commitDue = false;
  private sinceYield = 0;
  private readonly baseBuffers = new BaseBuffers();
  written = 0;
  writtenBytes = 0;

  constructor(
    private readonly env: StoreEnv,
    private readonly dvDir: string,
    private readonly readBase: (id: Oid, buffers: BaseBuffers) => DeltaBase | undefined,
    /** Commits due by size go to the background (see commitInBackground). */
    private readonly backgroundCommits = false,
  ) {}

  /** Adds a structured object (tree, commit, …); returns its id. */
  putStructured(kind: ObjectKind, bytes: Uint8Array): Oid {
    const raw = hashBytesRaw(bytes);
    if (!this.known(raw)) this.add(raw, encodePayload(kind, bytes, bytes.length > 4096), false);
    return oidFromBytes(raw);
  }

  /**
   * Adds a blob chunk whose raw id the caller computed; compresses when it pays, and
   * stores a delta against the best of the blobs `baseIds` names (similar chunks, usually
   * the one it replaces in the file's previous version) when that is much smaller. The
   * bases are only read when the chunk is new, by the encode worker when there is one.
   * False if already stored.
   */
  putBlob(rawId: Buffer, bytes: Uint8Array, baseIds?: readonly Oid[]): boolean {
    if (this.known(rawId)) return false;
    this.sinceYield += bytes.length;
    // With the workers' queue full the main thread encodes too: both cores stay busy
    // without the memory of another worker.
    if (this.pool && this.pool.bytesInFlight < POOL_INFLIGHT_BYTES) {
      // Known from now on, so a repeat of this chunk is not encoded twice.
      this.pendingKeys.set(rawId.toString('hex'), null);
      this.pool.encode(bytes, baseIds ?? [], (p) => this.add(rawId, p, true));
    } else {
      const bases = this.readBases(baseIds ?? []);
      try {
        this.add(rawId, encodeBlob(bytes, bases), true);
      } finally {
        for (const b of bases) this.baseBuffers.give(b.bytes);
      }
    }
    return true;
  }

  /** Candidate delta bases, read as an encode worker reads them (a damaged one fails the add with the same hint). */
  private readBases(ids: readonly Oid[]): DeltaBase[] {
    const bases: DeltaBase[] = [];
    try {
      for (const id of ids) {
        const b = this.readBase(id, this.baseBuffers);
        if (b) bases.push(b);
      }
      return bases;
    } catch (err) {
      for (const b of bases) this.baseBuffers.give(b.bytes);
      throw withCorruptHint(err);
    }
  }

  /** Adds a multi-chunk file object under its content id. */
  putFile(id: Oid, file: FileObject): void {
    const key = oidToBytes(id);
    if (!this.known(key)) this.add(key, encodePayload('file', encodeFileObject(file), true), true);
  }

  /** Adds an already-encoded payload verbatim (transfer paths that verified it). */
  putPayload(rawId: Buffer, payload: EncodedPayload): void {
    if (!this.known(rawId)) this.add(rawId, payload, payload.kind === 'blob' || payload.kind === 'file');
  }

  /**
   * putPayload for an import that found the object not stored before it verified it: only
   * this batch is looked at, not the store, and the id is not converted back and forth
   * (thousands of chunks per transfer). One stored meanwhile by another process is
   * written again, which leaves a valid record.
   */
  putImported(id: Oid, payload: EncodedPayload): void {
    if (this.pendingKeys.has(id) || this.inFlight?.keys.has(id) === true) return;
    this.add(oidToBytes(id), payload, payload.kind === 'blob' || payload.kind === 'file', id);
  }

  /**
   * Hands blob encoding to worker threads from now on. The caller then awaits `relieve()`
   * whenever `backlogged` is true, and `drain()` before `flush()`.
   */
  useStorePool(pool: StorePool | undefined): void {
    this.pool = pool;
  }

  /** True when the caller should await `relieve()` before adding more. */
  get backlogged(): boolean {
    return this.pool !== undefined && (this.commitDue || this.sinceYield >= YIELD_BYTES);
  }

  /**
   * Lets the workers' results in (they arrive only while this thread yields); commits a
   * full batch once everything it holds is encoded.
   */
  async relieve(): Promise<void> {
    if (!this.pool) return;
    this.sinceYield = 0;
    if (this.commitDue) {
      await this.pool.drain();
      this.commit();
    } else {
      await this.pool.poll();
    }
  }

  /** Waits until every chunk handed to the pool is encoded and added. */
  async drain(): Promise<void> {
    await this.pool?.drain();
  }

  private known(key: Buffer): boolean {
    const hex = key.toString('hex');
    return this.pendingKeys.has(hex) || this.inFlight?.keys.has(hex) === true || this.env.objects.doesExist(key);
  }

  private add(key: Buffer, p: EncodedPayload, content: boolean, hex: string = key.toString('hex')): void {
    let record: Buffer;
    if (content && p.payload.length > PACK_MIN_BYTES) {
      this.pack ??= new PackWriter(this.env, this.dvDir);
      record = locatorRecord(p, this.pack.append(p.payload));
    } else {
      record = inlineRecord(p);
    }
    this.pending.push([key, record]);
    this.pendingKeys.set(hex, record);
    this.bytes += p.payload.length;
    this.writtenBytes += p.payload.length;
    if (this.bytes < BATCH_BYTES) return;
    // With encodes in flight a commit waits for them (`relieve`), so a file object never
    // becomes visible before the chunks it lists.
    if (this.pool) this.commitDue = true;
    else if (this.backgroundCommits) this.commitInBackground();
    else this.commit();
  }

  /**
   * Makes everything added so far durable and visible without waiting for the disk: the
   * pack bytes are flushed on a libuv thread and the entries written once they are on
   * disk, while adding goes on (a receiver keeps verifying meanwhile). One such commit is
   * in flight at a time; a second, `commitPending` or `flush` finishes it at once instead.
   */
  commitInBackground(): void {
    this.checkBackground();
    if (this.pending.length === 0) return;
    if (this.inFlight || !this.pack) { this.commit(); return; }
    const flight: CommitInFlight = { items: this.pending, keys: this.pendingKeys, taken: false };
    this.pending = [];
    this.pendingKeys = new Map();
    this.bytes = 0;
    this.inFlight = flight;
    this.pack.syncInBackground((err) => {
      if (flight.taken) return;
      flight.taken = true;
      this.inFlight = undefined;
      try {
        if (err) throw err;
        this.writeEntries(flight.items);
      } catch (e) {
        this.backgroundFailure = e as Error;
      }
    });
  }

  /** Whether a commitInBackground is still waiting for the disk. */
  get committing(): boolean {
    return this.inFlight !== undefined;
  }

  private checkBackground(): void {
    if (this.backgroundFailure) throw this.backgroundFailure;
  }

  /**
   * The payload of an object added but not committed yet (not re-verified), read back
   * without making anything durable; undefined when it is not pending or no longer at hand.
   */
  pendingPayload(id: Oid): EncodedPayload | undefined {
    const rec = this.pendingRecord(id);
    if (!rec) return undefined;
    const kind = recordKind(rec, id);
    const loc = recordLocation(rec, id);
    if (!loc) return { kind, encoding: rec[1]!, payload: rec.subarray(2) };
    const payload = this.pack?.readBack(loc, id);
    return payload && { kind, encoding: rec[1]! & ~PACKED, payload };
  }

  private pendingRecord(id: Oid): Buffer | undefined {
    return this.pendingKeys.get(id) ?? this.inFlight?.keys.get(id) ?? undefined;
  }

  /**
   * ObjectStore.storedChain, counting what was added but not committed: its pack bytes are
   * written out (not made durable), so other threads can read them by path.
   */
  storedChain(id: Oid): StoredLink[] | undefined {
    let pending = false;
    const chain = chainOf(id, this.dvDir, (cur) => {
      const rec = this.pendingRecord(cur);
      if (rec) pending = true;
      return rec ?? this.env.objects.getBinary(oidToBytes(cur)) ?? undefined;
    });
    if (chain && pending) this.pack?.writeOut();
    return chain;
  }

  /** Makes everything added so far durable and visible, keeping the pack file open for more. */
  commitPending(): void {
    this.commit();
  }

  /** Makes everything added so far durable and visible, and closes the pack file. */
  flush(): void {
    if (this.pool && this.pool.bytesInFlight > 0) throw new InternalError('batch flushed with chunks still being encoded; await drain() first');
    this.commit();
    this.pack?.close();
    this.pack = null;
  }

  private commit(): void {
    this.checkBackground();
    const flight = this.inFlight;
    if (this.pending.length === 0 && !flight) return;
    this.pack?.sync();
    // A background commit not finished yet is finished here, in the same transaction.
    const items = flight ? [...flight.items, ...this.pending] : this.pending;
    if (flight) { flight.taken = true; this.inFlight = undefined; }
    this.pending = [];
    this.pendingKeys.clear();
    this.commitDue = false;
    this.bytes = 0;
    this.writeEntries(items);
  }

  private writeEntries(items: Array<[Buffer, Buffer]>): void {
    this.env.root.transactionSync(() => {
      for (const [k, v] of items) {
        this.env.objects.putSync(k, v);
        this.written++;
      }
      bumpGeneration(this.env);
    });
  }
}

/** ObjectStore.storedChain over the records `recordOf` gives. */
function chainOf(id: Oid, dvDir: string, recordOf: (id: Oid) => Uint8Array | undefined): StoredLink[] | undefined {
  const chain: StoredLink[] = [];
  let cur = id;
  try {
    for (let i = 0; i <= MAX_DELTA_DEPTH; i++) {
      const rec = recordOf(cur);
      if (!rec || recordKind(rec, cur) !== 'blob') return undefined;
      const loc = recordLocation(rec, cur);
      if (!loc) return undefined;
      chain.push({ id: cur, path: packPath(dvDir, loc.pack), offset: loc.offset, length: loc.length, encoding: rec[1]! & ~PACKED });
      const base = recordDeltaBase(rec, cur);
      if (!base) return chain.reverse();
      cur = oidFromBytes(base);
    }
  } catch {
    // A damaged record: the thread that reads it here says so.
  }
  return undefined;
}

/** A stored object found damaged: the error carries the hint to run fsck, unless it has one. */
function withCorruptHint(err: unknown): unknown {
  if (err instanceof CorruptObjectError && !err.hint) return new CorruptObjectError(err.message, { data: err.data, hint: CORRUPT_HINT, cause: err });
  return err;
}
