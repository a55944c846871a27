import { Worker } from 'node:worker_threads';
import { InternalError } from '../errors/index.js';
import type { TableFormat } from '../rows/index.js';
import { errorFromThread, startWorker, type ThreadError } from '../util/index.js';
import type { Contract } from './contract-spec.js';
import type { RowTally, UniqueState } from './table-scan.js';

/** What every worker of one table's check starts with. */
export interface CheckWorkerData {
  format: TableFormat;
  contract: Contract;
  /** The table's columns (CSV/TSV: the header; JSONL: the first row's keys). */
  columns: string[];
  label: string;
  /** About how many bytes each worker will see (sizes its hash sets). */
  expectBytes: number;
}

/** A segment to check (a view of a buffer of its own, which comes back with the tally), or the end of the table. */
export type WorkerRequest = { finish?: false; seq: number; bytes: Uint8Array } | { finish: true };
export type WorkerReply =
  | { seq: number; tally: RowTally; buffer: ArrayBuffer }
  | { uniques: UniqueState[] }
  | { failed: ThreadError };

/** Segments sent to a worker and not yet answered, at most: one in work, one waiting. */
const MAX_QUEUED = 2;

interface PoolWorker { worker: Worker; queued: number }

/**
 * The worker threads checking one table: segments go to the least busy worker while one
 * has room (two segments queued at most, bounding the bytes in flight), tallies come back
 * by segment number, and at the end each worker hands over its unique sets. Callers
 * `trySend` (checking a segment themselves when all are full), then await `tallies` and
 * `uniqueStates`, and always `close`.
 */
export class CheckPool {
  private readonly workers: PoolWorker[] = [];
  private readonly tallyBySeq: RowTally[] = [];
  private readonly states: UniqueState[][] = [];
  private received = 0;
  private closing = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  /** `recycle` takes back the buffer of each segment checked. */
  constructor(size: number, data: CheckWorkerData, private readonly recycle: (buf: ArrayBuffer) => void) {
    for (let i = 0; i < size; i++) {
      const worker = startWorker(import.meta.url, 'contracts', 'check-worker', { workerData: data });
      const w: PoolWorker = { worker, queued: 0 };
      worker.on('message', (msg: WorkerReply) => {
        if ('failed' in msg) this.fail(errorFromThread(msg.failed, 'checking rows failed'));
        else if ('tally' in msg) {
          this.tallyBySeq[msg.seq] = msg.tally;
          this.received++;
          w.queued--;
          this.recycle(msg.buffer);
        } else this.states.push(msg.uniques);
        this.notify();
      });
      worker.on('error', (err) => this.fail(new InternalError(`checking rows failed: ${err.message}`, { cause: err })));
      worker.on('exit', (code) => { if (!this.closing) this.fail(new InternalError(`a row-checking worker exited with code ${code}`)); });
      this.workers.push(w);
    }
  }

  /** Hands a segment to the least busy worker if one has room (its buffer then moves to the worker); false when all are full. */
  trySend(seq: number, bytes: Uint8Array): boolean {
    this.check();
    const w = this.workers.reduce((a, b) => (b.queued < a.queued ? b : a));
    if (w.queued >= MAX_QUEUED) return false;
    w.worker.postMessage({ seq, bytes } satisfies WorkerRequest, [bytes.buffer as ArrayBuffer]);
    w.queued++;
    return true;
  }

  /** Records the tally of a segment checked elsewhere (on the calling thread). */
  record(seq: number, tally: RowTally): void {
    this.tallyBySeq[seq] = tally;
    this.received++;
  }

  /** Lets the workers' answers in (they arrive only while the calling thread waits). */
  async poll(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.check();
  }

  /** The tallies of segments 0 to n - 1, once all have come back. */
  async tallies(n: number): Promise<RowTally[]> {
    while (this.received < n) {
      this.check();
      await this.next();
    }
    this.check();
    return this.tallyBySeq;
  }

  /** Every worker's unique-column states (the workers are done with rows after this). */
  async uniqueStates(): Promise<UniqueState[][]> {
    for (const w of this.workers) w.worker.postMessage({ finish: true } satisfies WorkerRequest);
    while (this.states.length < this.workers.length) {
      this.check();
      await this.next();
    }
    this.check();
    return this.states;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private next(): Promise<void> {
    return new Promise<void>((resolve) => { this.wake = resolve; });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.notify();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}
