import { CorruptObjectError, DvError, InternalError } from '../errors/index.js';
import { oidFromBytes, oidToBytes, type Oid } from '../hash/index.js';
import { nativeAddon, VERIFY_STATUS, type NativeAddon } from '../native/index.js';
import { threadSetting } from '../util/index.js';
import { StorePool, type VerifiedBlob, type VerifyRequest } from './store-pool.js';
import type { StoredLink } from './object-store.js';
import { checkReceivedBlob, closeAll, type BlobCheck } from './verify-blob.js';
import { ENCODING_DELTA, ENCODING_RAW } from './record.js';

/** What checks received blobs away from the main thread: native threads, or store workers (StorePool). */
export interface BlobVerifier {
  /** Bytes handed over whose results have not been delivered yet. */
  readonly bytesInFlight: number;
  /** Whether deltas may be handed over too (with `req.chain`). */
  readonly verifiesDeltas: boolean;
  /**
   * Queues a received blob payload (raw or compressed; a delta only with verifiesDeltas)
   * to be decoded and hashed against `id`, and for each of `req.uses` hashed and written
   * as part of its file; `done` runs on the main thread with the verified blob (use the
   * payload it hands back), or with the CorruptObjectError that says why it is not, or
   * with neither for a delta it could not check (its bases did not read back right):
   * the caller checks that one itself.
   */
  verify(id: Oid, encoding: number, payload: Uint8Array, req: VerifyRequest, done: (result: VerifiedBlob | undefined, err?: DvError) => void): void;
  /** Decodes a blob stored here for its hash pieces (a verifier that verifies deltas: see NativeVerifier.verifyStored). */
  verifyStored?(id: Oid, chain: StoredLink[], req: VerifyRequest, done: (result: VerifiedBlob | undefined, err?: DvError) => void): void;
  /** Resolves once no more than `limit` bytes are in flight. */
  waitBelow(limit: number): Promise<void>;
  /** Resolves once every queued blob's result has been delivered. */
  drain(): Promise<void>;
  /** Drops what was kept for a transfer's later deltas (see VerifyRequest.transfer), once it is drained. */
  endTransfer?(transfer: number): void;
}

let lastTransfer = 0;

/** A number for VerifyRequest.transfer, unused so far in this process. */
export function newTransfer(): number {
  lastTransfer = lastTransfer >= 0xffffffff ? 1 : lastTransfer + 1;
  return lastTransfer;
}

/**
 * What checks a transfer's received blobs in this process: the native verifier when the
 * addon is built, else the store's worker threads; undefined with threads off.
 */
export function blobVerifier(dvDir: string): BlobVerifier | undefined {
  return NativeVerifier.create() ?? StorePool.forStore(dvDir);
}

/** Jobs go to the threads in batches of about this many bytes of work (see weightOf). */
const BATCH_BYTES = 512 * 1024;
/** The encoding verify_blobs.c takes for a stored blob decoded from its chain (no payload). */
const STORED = 255;
const NO_PAYLOAD = new Uint8Array(0);
/** What a delta whose size no file lists counts for: a typical chunk (it decodes a base and itself). */
const DELTA_WEIGHT = 64 * 1024;

interface Job extends BlobCheck { chain?: StoredLink[]; transfer?: number; weight: number; done: (result: VerifiedBlob | undefined, err?: DvError) => void }

/** A job's share of the work in flight: its payload, or for a small delta the chunk it decodes to. */
function weightOf(encoding: number, payload: Uint8Array, size: number | undefined): number {
  return encoding === ENCODING_DELTA ? Math.max(payload.length, size ?? DELTA_WEIGHT) : payload.length;
}

/**
 * Checks received blobs on libuv's thread pool with the native addon (native/verify_blobs.c):
 * decoding, hashing, hash pieces and writes into checked-out files run on its threads
 * (UV_THREADPOOL_SIZE, 4 by default), with no JavaScript there; for a delta they read its
 * stored bases from the packs and decode them too. Payloads stay where they are (nothing
 * is moved or copied), and the main thread only parses and bookkeeps. A frame that does
 * not state its size is checked on the main thread instead.
 */
export class NativeVerifier implements BlobVerifier {
  private static shared: NativeVerifier | undefined;
  private outbox: Job[] = [];
  private outboxBytes = 0;
  private inflight = 0;
  /** Jobs handed over and not answered (stored blobs weigh nothing but are waited for too). */
  private jobs = 0;
  private waiters: Array<() => void> = [];

  /** The process's native verifier, or undefined without the addon or with threads off (`DV_THREADS=0`). */
  static create(): NativeVerifier | undefined {
    const native = nativeAddon();
    const threads = threadSetting((cores) => cores);
    if (!native?.verifyBlobs || !Number.isInteger(threads) || threads < 1) return undefined;
    NativeVerifier.shared ??= new NativeVerifier(native);
    return NativeVerifier.shared;
  }

  private constructor(private readonly native: NativeAddon) {}

  readonly verifiesDeltas = true;

  get bytesInFlight(): number { return this.inflight; }

  verify(id: Oid, encoding: number, payload: Uint8Array, req: VerifyRequest, done: (result: VerifiedBlob | undefined, err?: DvError) => void): void {
    const weight = weightOf(encoding, payload, req.size);
    this.enqueue({ id, encoding, payload, ...req, weight, done }, weight);
  }

  waitBelow(limit: number): Promise<void> { return this.waitUntil(() => this.inflight <= limit); }

  drain(): Promise<void> { return this.waitUntil(() => this.jobs === 0); }

  endTransfer(transfer: number): void { this.native.forgetTransfer?.(transfer); }

  /**
   * Queues a blob stored here (the last link of `chain`) to be decoded there, for the hash
   * pieces and writes `req.uses` asks for: a file that arrived around chunks already held
   * is hashed without this thread decoding them. `done` as for verify (with neither result
   * nor error when the stored blob did not read back right: the caller reads it itself).
   * It weighs nothing in bytesInFlight (no payload is held for it); drain waits for it.
   */
  verifyStored(id: Oid, chain: StoredLink[], req: VerifyRequest, done: (result: VerifiedBlob | undefined, err?: DvError) => void): void {
    this.enqueue({ id, encoding: STORED, payload: NO_PAYLOAD, ...req, chain, weight: 0, done }, req.size ?? DELTA_WEIGHT);
  }

  /** Adds a job to the open batch (`work`: its share of the batch), sending the batch when full. */
  private enqueue(job: Job, work: number): void {
    this.inflight += job.weight;
    this.jobs++;
    this.outbox.push(job);
    this.outboxBytes += work;
    if (this.outboxBytes >= BATCH_BYTES) this.flush();
  }

  private async waitUntil(ready: () => boolean): Promise<void> {
    this.flush();
    while (!ready()) {
      await new Promise<void>((resolve) => { this.waiters.push(resolve); });
      // Jobs the answered ones' callbacks queued (a delta whose base just passed) go out too, or nothing would answer them.
      this.flush();
    }
  }

  /**
   * Hands the open batch to the thread pool. Every batch is queued there at once: results
   * come back through the main thread, so a batch started only when another's result is
   * taken in would leave the threads idle whenever the main thread is busy. A caller
   * that waits on its jobs' callbacks rather than on drain or waitBelow calls it itself.
   */
  flush(): void {
    if (this.outbox.length === 0) return;
    const jobs = this.outbox;
    this.outbox = [];
    this.outboxBytes = 0;
    const ids = Buffer.allocUnsafe(jobs.length * 32);
    const meta = new Float64Array(jobs.length * 6);
    const uses: number[] = [];
    const paths: Array<string | undefined> = [];
    const links = jobs.flatMap((j) => j.chain ?? []);
    const chainIds = Buffer.allocUnsafe(links.length * 32);
    const chain = new Float64Array(links.length * 3);
    links.forEach((l, k) => {
      oidToBytes(l.id).copy(chainIds, k * 32);
      chain.set([l.offset, l.length, l.encoding], k * 3);
    });
    jobs.forEach((j, i) => {
      oidToBytes(j.id).copy(ids, i * 32);
      const n = j.uses?.length ?? 0;
      meta.set([j.encoding, j.size ?? -1, j.keep || n === 0 ? 1 : 0, n, j.chain?.length ?? 0, j.transfer ?? 0], i * 6);
      for (const u of j.uses ?? []) { uses.push(u.offset, u.contentSize); paths.push(u.path); }
    });
    const payloads = jobs.map((j) => j.payload);
    try {
      this.native.verifyBlobs(ids, meta, payloads, new Float64Array(uses), paths, chainIds, chain, links.map((l) => l.path), (...results) => this.answer(jobs, ...results));
    } catch (err) {
      // The batch never started (an addon built from other sources, say): its jobs fail rather than wait forever.
      for (const j of jobs) this.fail(j, err);
      this.wakeAll();
    }
  }

  /** Delivers a batch's results, job by job. */
  private answer(jobs: Job[], status: Int32Array, actual: Uint8Array, kept: Array<Uint8Array | undefined>, pieces: Array<Uint8Array | undefined>, unwritten: Uint8Array): void {
    let use = 0;
    jobs.forEach((j, i) => {
      const at = use;
      use += j.uses?.length ?? 0;
      let result: VerifiedBlob | undefined;
      try {
        result = this.outcome(j, status[i]!, actual.subarray(i * 32, i * 32 + 32), kept[i], pieces.slice(at, use), unwritten.subarray(at, use));
      } catch (err) {
        this.fail(j, err);
        return;
      }
      this.inflight -= j.weight;
      this.jobs--;
      j.done(result);
    });
    this.wakeAll();
  }

  /** Fails one job: its own transfer hears of it (one process serves many). */
  private fail(j: Job, err: unknown): void {
    this.inflight -= j.weight;
    this.jobs--;
    j.done(undefined, err instanceof DvError ? err : new InternalError(`verifying failed: ${(err as Error).message}`, { cause: err }));
  }

  /** The verified blob for one job's outcome (undefined: a delta for the caller to check); throws CorruptObjectError for a bad one. */
  private outcome(j: Job, status: number, actual: Uint8Array, kept: Uint8Array | undefined, pieces: Array<Uint8Array | undefined>, unwritten: Uint8Array): VerifiedBlob | undefined {
    const { id, size } = j;
    switch (status) {
      case VERIFY_STATUS.VERIFIED: {
        const bytes = kept ?? (j.encoding === ENCODING_RAW && (j.keep || !j.uses?.length) ? j.payload : undefined);
        if (!j.uses?.length) return { payload: j.payload, bytes };
        return { payload: j.payload, bytes, pieces: pieces as Uint8Array[], unwritten: [...unwritten].map((u) => u !== 0) };
      }
      case VERIFY_STATUS.UNDECODABLE:
        if (j.encoding === ENCODING_DELTA) throw new CorruptObjectError(`object ${id} does not decode against its delta base`, { data: { id } });
        throw new CorruptObjectError(size === undefined ? `object ${id} does not decompress` : `object ${id} does not decompress into ${size} bytes`, { data: { id } });
      case VERIFY_STATUS.WRONG_SIZE:
        throw new CorruptObjectError(`object ${id} has the wrong size for the file that lists it`, { data: { id } });
      case VERIFY_STATUS.WRONG_HASH: {
        const got = oidFromBytes(actual);
        throw new CorruptObjectError(`object ${id} is corrupt: its bytes hash to ${got}`, { data: { id, actual: got } });
      }
      default: {
        // A delta whose stored bases did not read back right there, or that went without
        // them and whose base the threads no longer held; a stored blob that did not read back: the caller's.
        if ((j.encoding === ENCODING_DELTA && (j.chain || j.transfer)) || (j.encoding === STORED && j.chain)) return undefined;
        // A frame that does not state its size, or an encoding it does not decode: checked (or refused) here.
        const open = new Map<string, number>();
        try {
          return { payload: j.payload, ...checkReceivedBlob(j, open) };
        } finally {
          closeAll(open);
        }
      }
    }
  }

  private wakeAll(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }
}
