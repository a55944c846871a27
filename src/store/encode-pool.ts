import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CorruptObjectError, DvError, InternalError, type ErrorData } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { startWorker } from '../util/index.js';
import type { EncodedPayload } from './record.js';

/** One chunk to encode, as sent to a worker. */
export interface EncodeJob { seq: number; bytes: Uint8Array; baseIds: readonly Oid[] }
/** A worker's answer for one job. */
export interface EncodeResult { seq: number; encoding: number; payload: Uint8Array }
/** A worker's answer when a batch failed (a damaged delta base, say). */
export interface EncodeFailure { failed: { code: string; message: string; data: unknown } }

/** Jobs are sent in batches of about this many bytes, so small files cost few messages. */
const BATCH_BYTES = 512 * 1024;

interface PoolWorker {
  worker: Worker;
  outbox: EncodeJob[];
  outboxBytes: number;
  transfer: ArrayBuffer[];
  /** Bytes sent and not yet answered. */
  busy: number;
}

/**
 * Worker threads that compress and delta-encode blob chunks while the main thread reads,
 * chunks, hashes and writes. Results come back through callbacks; callers bound the
 * work in flight with `waitBelow` and collect everything with `drain`.
 */
export class EncodePool {
  private static readonly pools = new Map<string, EncodePool>();
  private readonly workers: PoolWorker[] = [];
  private readonly pending = new Map<number, { size: number; done: (p: EncodedPayload) => void }>();
  private seq = 0;
  private inflight = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  /**
   * The process's pool, or undefined when threads are off (`DV_THREADS=0`) or the
   * machine has one core. `DV_THREADS` sets the number of workers; the default leaves one
   * core to the main thread (on two cores a second worker gained little and cost ~35 MB).
   */
  static forStore(dvDir: string): EncodePool | undefined {
    const wanted = process.env.DV_THREADS === undefined ? os.availableParallelism() - 1 : Number(process.env.DV_THREADS);
    if (!Number.isInteger(wanted) || wanted < 1) return undefined;
    let pool = EncodePool.pools.get(dvDir);
    if (!pool) EncodePool.pools.set(dvDir, pool = new EncodePool(dvDir, Math.min(wanted, 16)));
    return pool;
  }

  private constructor(dvDir: string, size: number) {
    for (let i = 0; i < size; i++) {
      // Small heaps: a worker holds one batch of chunks at a time, and its payloads live off-heap.
      const worker = startWorker(import.meta.url, 'store', 'encode-worker', { workerData: { dvDir }, resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 48 } });
      const w: PoolWorker = { worker, outbox: [], outboxBytes: 0, transfer: [], busy: 0 };
      worker.on('message', (msg: EncodeResult[] | EncodeFailure) => {
        if (Array.isArray(msg)) this.receive(w, msg);
        else this.fail(rebuildError(msg.failed));
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => { if (code !== 0 && !this.failure) this.fail(new Error(`encode worker exited with code ${code}`)); });
      worker.unref();
      this.workers.push(w);
    }
  }

  /** Number of worker threads. */
  get size(): number { return this.workers.length; }

  /** Bytes handed to the pool whose results have not been delivered yet. */
  get bytesInFlight(): number { return this.inflight; }

  /**
   * Queues `bytes` (copied, so the caller may reuse its buffer) for encoding against the
   * stored blobs `baseIds` names; `done` runs on the main thread with the payload.
   */
  encode(bytes: Uint8Array, baseIds: readonly Oid[], done: (p: EncodedPayload) => void): void {
    this.check();
    const copy = new Uint8Array(bytes);
    const seq = this.seq++;
    this.pending.set(seq, { size: copy.length, done });
    this.inflight += copy.length;
    const w = this.workers.reduce((a, b) => (b.busy + b.outboxBytes < a.busy + a.outboxBytes ? b : a));
    w.outbox.push({ seq, bytes: copy, baseIds });
    w.transfer.push(copy.buffer as ArrayBuffer);
    w.outboxBytes += copy.length;
    if (w.outboxBytes >= BATCH_BYTES) this.send(w);
  }

  /** Resolves once no more than `limit` bytes are in flight. */
  async waitBelow(limit: number): Promise<void> {
    this.sendAll();
    while (this.inflight > limit) {
      this.check();
      await new Promise<void>((resolve) => { this.wake = resolve; });
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

  private receive(w: PoolWorker, results: EncodeResult[]): void {
    for (const r of results) {
      const job = this.pending.get(r.seq);
      if (!job) continue;
      this.pending.delete(r.seq);
      this.inflight -= job.size;
      w.busy -= job.size;
      try {
        job.done({ kind: 'blob', encoding: r.encoding, payload: r.payload });
      } catch (err) {
        this.fail(err as Error);
      }
    }
    // An idle worker must not keep the process alive.
    if (w.busy === 0) w.worker.unref();
    this.wake?.();
  }

  /** Records the first failure and stops the workers: the pool is done, and must not keep the process alive. */
  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.workers) void w.worker.terminate();
    for (const [dir, pool] of EncodePool.pools) if (pool === this) EncodePool.pools.delete(dir);
    this.wake?.();
  }

  private check(): void {
    if (!this.failure) return;
    throw this.failure instanceof DvError ? this.failure : new InternalError(`encoding failed: ${this.failure.message}`, { cause: this.failure });
  }
}

/** The main-thread error for a worker's failure: corruption stays a CorruptObjectError. */
function rebuildError(f: EncodeFailure['failed']): Error {
  const data = (typeof f.data === 'object' && f.data !== null ? f.data : {}) as ErrorData;
  if (f.code === 'ECORRUPT') return new CorruptObjectError(f.message, { data, hint: 'run `dv fsck` to list every damaged object' });
  return new InternalError(`encoding failed: ${f.message}`, { data });
}
