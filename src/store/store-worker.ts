/**
 * Body of a store worker thread. Encode jobs: blob chunks with the ids of their candidate
 * delta bases, which the worker reads from the store itself (so the main thread neither
 * decodes nor copies them), answered with the encoded payloads; it runs the same
 * `encodeBlob` as the main thread, so threaded and unthreaded stores are identical.
 * Verify jobs: a received blob payload, answered with its bytes once they hash to its id;
 * or, for a chunk of files being received, with the pieces of those files' hashes, the
 * bytes written into the files and kept only when asked for.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Oid } from '../hash/index.js';
import { encodeBlob, type DeltaBase } from './record.js';
import { checkReceivedBlob, closeAll } from './verify-blob.js';
import { openStoreEnv } from './environment.js';
import { ObjectStore } from './object-store.js';
import { BaseBuffers } from './base-buffers.js';
import type { PoolFailure, PoolJob, PoolResult } from './store-pool.js';
import { errorForThread, wholeBuffer } from '../util/index.js';

/** Neighbouring chunks share candidate bases; a few recent ones cover the overlap. */
const BASE_CACHE_SIZE = 8;

let objects: ObjectStore | undefined;
const baseCache = new Map<Oid, DeltaBase | undefined>();
const baseBuffers = new BaseBuffers();
/** Bases dropped from the cache while a job may still use them: their buffers go back after it. */
const dropped: DeltaBase[] = [];

function readBase(id: Oid): DeltaBase | undefined {
  if (baseCache.has(id)) return baseCache.get(id);
  objects ??= new ObjectStore(openStoreEnv((workerData as { dvDir: string }).dvDir), (workerData as { dvDir: string }).dvDir);
  const base = objects.deltaBase(id, baseBuffers);
  if (baseCache.size >= BASE_CACHE_SIZE) {
    const oldest = baseCache.keys().next().value!;
    const gone = baseCache.get(oldest);
    if (gone) dropped.push(gone);
    baseCache.delete(oldest);
  }
  baseCache.set(id, base);
  return base;
}

/** Adds the buffers under `bytes` to `transfer`, so they move back instead of being copied. */
function moveBack(transfer: ArrayBuffer[], ...bytes: Array<Uint8Array | undefined>): void {
  for (const b of bytes) {
    const whole = b && wholeBuffer(b);
    if (whole && !transfer.includes(whole)) transfer.push(whole);
  }
}

parentPort!.on('message', (jobs: PoolJob[]) => {
  const transfer: ArrayBuffer[] = [];
  const open = new Map<string, number>();
  try {
    const results: PoolResult[] = jobs.map((job) => {
      if (job.op === 'verify') {
        try {
          const verified = checkReceivedBlob(job, open);
          // A raw payload is its own bytes: one buffer.
          moveBack(transfer, job.payload, verified.bytes);
          return { seq: job.seq, verified: true, payload: job.payload, ...verified };
        } catch (err) {
          return { seq: job.seq, error: errorForThread(err) };
        }
      }
      const bases = job.baseIds.map(readBase).filter((b): b is DeltaBase => b !== undefined);
      const p = encodeBlob(job.bytes, bases);
      for (const b of dropped.splice(0)) baseBuffers.give(b.bytes);
      return { seq: job.seq, encoding: p.encoding, payload: p.payload };
    });
    closeAll(open);
    try {
      parentPort!.postMessage(results, transfer);
    } catch {
      // A buffer that cannot be detached (allocated outside V8): send copies instead.
      parentPort!.postMessage(results);
    }
  } catch (err) {
    closeAll(open);
    parentPort!.postMessage({ failed: errorForThread(err) } satisfies PoolFailure);
  }
});
