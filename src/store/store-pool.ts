import { Worker } from 'node:worker_threads';
import { CORRUPT_HINT, DvError, InternalError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { errorFromThread, startWorker, threadSetting, wholeBuffer, type ThreadError } from '../util/index.js';
import type { EncodedPayload } from './record.js';
import type { StoredLink } from './object-store.js';

/**
 * Where a verified blob's bytes belong in a file being received: the chunk at `offset`
 * of content `contentSize` bytes long. The worker hashes the piece of the file's hash it
 * makes (native/hash_pieces.c) and, with `path`, writes the bytes there at `offset`.
 */
export interface ChunkUse { offset: number; contentSize: number; path?: string }

/** What verifying a received blob asks for beyond the check itself. */
export interface VerifyRequest {
  /** The places in files being received that this blob fills (its size is then `size`). */
  uses?: ChunkUse[];
  size?: number;
  /** Hand the bytes back (always, without uses). */
  keep?: boolean;
  /** For a delta (native verifier only): where its stored bases lie, the plain one first (ObjectStore.storedChain). */
  chain?: StoredLink[];
  /**
   * The transfer the blob arrives in (a number from newTransfer): the native verifier keeps
   * the bytes of a transfer's recent blobs, so a delta that follows its base is decoded
   * from them instead of from its whole chain in the packs. Absent: nothing is kept.
   */
  transfer?: number;
}

/**
 * A job for a worker: compress and delta-encode one chunk against candidate bases, or
 * decode one received blob payload and check it against its id.
 */
export type PoolJob =
  | { seq: number; op: 'encode'; bytes: Uint8Array; baseIds: readonly Oid[] }
  | ({ seq: number; op: 'verify'; id: Oid; encoding: number; payload: Uint8Array } & VerifyRequest);

/**
 * A verified blob: its payload (which moved to the worker and moves back), its bytes when
 * kept, and for each use its hash piece and whether writing it out failed.
 */
export interface VerifiedBlob { payload: Uint8Array; bytes?: Uint8Array; pieces?: Uint8Array[]; unwritten?: boolean[] }

/** A worker's answer for one job: the encoded payload, the verified blob, or why verifying failed. */
export type PoolResult =
  | { seq: number; encoding: number; payload: Uint8Array }
  | ({ seq: number; verified: true } & VerifiedBlob)
  | { seq: number; error: ThreadError };
/** A worker's answer when a batch failed as a whole (a damaged delta base, say). */
export interface PoolFailure { failed: ThreadError }

/** Jobs are sent in batches of about this many bytes, so small files cost few messages. */
const BATCH_BYTES = 512 * 1024;

interface PoolWorker {
  worker: Worker;
  outbox: PoolJob[];
  outboxBytes: number;
  transfer: ArrayBuffer[];
  /** Bytes sent and not yet answered. */
  busy: number;
}

/**
 * Worker threads for the store's heavy lifting: compressing and delta-encoding chunks
 * while the main thread reads, chunks, hashes and writes (add), and decoding and hashing
 * received blobs while it parses and stores the stream (push, fetch, clone). Results come
 * back through callbacks on the main thread; callers bound the work in flight with
 * `waitBelow` and collect everything with `drain`.
 */
export class StorePool {
  private static readonly pools = new Map<string, StorePool>();
  private readonly workers: PoolWorker[] = [];
  private readonly pending = new Map<number, { size: number; done: (r: PoolResult) => void }>();
  private seq = 0;
  private inflight = 0;
  private failure: Error | undefined;
  /** Callers waiting for results (several when one process serves concurrent transfers). */
  private waiters: Array<() => void> = [];

  /**
   * The process's pool, or undefined when threads are off (`DV_THREADS=0`) or the
   * machine has one core. `DV_THREADS` sets the number of workers; the default leaves one
   * core to the main thread (on two cores a second worker gained little and cost ~35 MB).
   */
  static forStore(dvDir: string): StorePool | undefined {
    const wanted = threadSetting((cores) => cores - 1);
    if (!Number.isInteger(wanted) || wanted < 1) return undefined;
    let pool = StorePool.pools.get(dvDir);
    if (!pool) StorePool.pools.set(dvDir, pool = new StorePool(dvDir, Math.min(wanted, 16)));
    return pool;
  }

  private constructor(dvDir: string, size: number) {
    for (let i = 0; i < size; i++) {
      // Small heaps: a worker holds one batch of chunks at a time, and its payloads live off-heap.
      const worker = startWorker(import.meta.url, 'store', 'store-worker', { workerData: { dvDir }, resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 48 } });
      const w: PoolWorker = { worker, outbox: [], outboxBytes: 0, transfer: [], busy: 0 };
      worker.on('message', (msg: PoolResult[] | PoolFailure) => {
        if (Array.isArray(msg)) this.receive(w, msg);
        else this.fail(encodeError(msg.failed));
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => { if (code !== 0 && !this.failure) this.fail(new Error(`store worker exited with code ${code}`)); });
      worker.unref();
      this.workers.push(w);
    }
  }

  /** Number of worker threads. */
  get size(): number { return this.workers.length; }

  /** Deltas are verified where their bases are held (the main thread), not here. */
  readonly verifiesDeltas = false;

  /** Bytes handed to the pool whose results have not been delivered yet. */
  get bytesInFlight(): number { return this.inflight; }

  /**
   * Queues `bytes` (copied, so the caller may reuse its buffer) for encoding against the
   * stored blobs `baseIds` names; `done` runs on the main thread with the payload.
   */
  encode(bytes: Uint8Array, baseIds: readonly Oid[], done: (p: EncodedPayload) => void): void {
    const copy = new Uint8Array(bytes);
    this.submit({ seq: 0, op: 'encode', bytes: copy, baseIds }, copy.length, copy.buffer as ArrayBuffer, (r) => {
      if ('encoding' in r) done({ kind: 'blob', encoding: r.encoding, payload: r.payload });
    });
  }

  /**
   * Queues a received blob payload (raw or compressed, not a delta) to be decoded and
   * hashed against `id`, and for each of `req.uses` hashed and written as part of its
   * file. `done` runs on the main thread with the verified blob, or with the
   * CorruptObjectError that says why it is not; a bad object fails only its own job. A
   * payload moves to the worker and back instead of being copied: the caller must use the
   * one `done` hands back. A payload that is part of a larger buffer (a view of a received
   * piece) is first copied into its own, which is what moves: posting the view would copy
   * its whole buffer, and moving that buffer would take it from the other views of it.
   */
  verify(id: Oid, encoding: number, payload: Uint8Array, req: VerifyRequest, done: (result: VerifiedBlob | undefined, err?: DvError) => void): void {
    const own = wholeBuffer(payload) ? payload : new Uint8Array(payload);
    this.submit({ seq: 0, op: 'verify', id, encoding, payload: own, ...req }, own.length, wholeBuffer(own), (r) => {
      if ('verified' in r) done(r);
      // A received object that fails is the sender's problem: no advice to check this store.
      else if ('error' in r) done(undefined, errorFromThread(r.error, 'verifying failed') as DvError);
    });
  }

  private submit(job: PoolJob, size: number, transfer: ArrayBuffer | undefined, done: (r: PoolResult) => void): void {
    this.check();
    job.seq = this.seq++;
    this.pending.set(job.seq, { size, done });
    this.inflight += size;
    const w = this.workers.reduce((a, b) => (b.busy + b.outboxBytes < a.busy + a.outboxBytes ? b : a));
    w.outbox.push(job);
    if (transfer) w.transfer.push(transfer);
    w.outboxBytes += size;
    if (w.outboxBytes >= BATCH_BYTES) this.send(w);
  }

  /** Resolves once no more than `limit` bytes are in flight. */
  async waitBelow(limit: number): Promise<void> {
    this.sendAll();
    while (this.inflight > limit) {
      this.check();
      await new Promise<void>((resolve) => { this.waiters.push(resolve); });
    }
    this.check();
  }

  /** Sends queued jobs and yields once, so results already delivered are taken in. */
  async poll(): Promise<void> {
    this.sendAll();
    this.check();
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.check();
  }

  /** Resolves once every queued job's result has been delivered. */
  drain(): Promise<void> { return this.waitBelow(0); }

  private send(w: PoolWorker): void {
    if (w.outbox.length === 0) return;
    if (w.busy === 0) w.worker.ref();
    w.worker.postMessage(w.outbox, w.transfer);
    w.busy += w.outboxBytes;
    w.outbox = [];
    w.transfer = [];
    w.outboxBytes = 0;
  }

  private sendAll(): void {
    for (const w of this.workers) this.send(w);
  }

  private receive(w: PoolWorker, results: PoolResult[]): void {
    for (const r of results) {
      const job = this.pending.get(r.seq);
      if (!job) continue;
      this.pending.delete(r.seq);
      this.inflight -= job.size;
      w.busy -= job.size;
      try {
        job.done(r);
      } catch (err) {
        this.fail(err as Error);
      }
    }
    // An idle worker must not keep the process alive.
    if (w.busy === 0) w.worker.unref();
    this.wakeAll();
  }

  private wakeAll(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }

  /** Records the first failure and stops the workers: the pool is done, and must not keep the process alive. */
  private fail(err: Error): void {
    // Several batches may fail at once: the workers are stopped once.
    if (this.failure) return;
    this.failure = err;
    for (const w of this.workers) void w.worker.terminate();
    for (const [dir, pool] of StorePool.pools) if (pool === this) StorePool.pools.delete(dir);
    this.wakeAll();
  }

  private check(): void {
    if (!this.failure) return;
    throw this.failure instanceof DvError ? this.failure : new InternalError(`encoding failed: ${this.failure.message}`, { cause: this.failure });
  }
}

/** The main-thread error for a failed encode: a damaged delta base stays a CorruptObjectError, with the fsck hint. */
function encodeError(f: ThreadError): Error {
  return errorFromThread(f.code === 'ECORRUPT' ? { ...f, hint: f.hint ?? CORRUPT_HINT } : f, 'encoding failed');
}
