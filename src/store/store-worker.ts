/**
 * Body of a store worker thread. Encode jobs: blob chunks with the ids of their candidate
 * delta bases, which the worker reads from the store itself (so the main thread neither
 * decodes nor copies them), answered with the encoded payloads; it runs the same
 * `encodeBlob` as the main thread, so threaded and unthreaded stores are identical.
 * Verify jobs: a received blob payload, answered with its bytes once they hash to its id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Oid } from '../hash/index.js';
import { CorruptObjectError } from '../errors/index.js';
import { encodeBlob, type DeltaBase } from './record.js';
import { verifyPayload } from './verify-payload.js';
import { openStoreEnv } from './environment.js';
import { ObjectStore } from './object-store.js';
import type { PoolFailure, PoolJob, PoolResult } from './store-pool.js';
import { errorForThread, wholeBuffer } from '../util/index.js';

/** Neighbouring chunks share candidate bases; a few recent ones cover the overlap. */
const BASE_CACHE_SIZE = 8;

let objects: ObjectStore | undefined;
const baseCache = new Map<Oid, DeltaBase | undefined>();

function readBase(id: Oid): DeltaBase | undefined {
  if (baseCache.has(id)) return baseCache.get(id);
  objects ??= new ObjectStore(openStoreEnv((workerData as { dvDir: string }).dvDir), (workerData as { dvDir: string }).dvDir);
  const base = objects.deltaBase(id);
  if (baseCache.size >= BASE_CACHE_SIZE) baseCache.delete(baseCache.keys().next().value!);
  baseCache.set(id, base);
  return base;
}

/** The bytes of a received blob, checked against its id (deltas are decoded by the main thread, which holds their bases). */
function verifyBlob(id: Oid, encoding: number, payload: Uint8Array): Uint8Array {
  const obj = verifyPayload(id, { kind: 'blob', encoding, payload }, () => {
    throw new CorruptObjectError(`object ${id} is a delta, which is verified where its base is held`, { data: { id } });
  });
  return (obj as { data: Uint8Array }).data;
}


parentPort!.on('message', (jobs: PoolJob[]) => {
  const transfer: ArrayBuffer[] = [];
  try {
    const results: PoolResult[] = jobs.map((job) => {
      if (job.op === 'verify') {
        try {
          const bytes = verifyBlob(job.id, job.encoding, job.payload);
          // Both move back rather than being copied (a raw payload is its own bytes: one buffer).
          for (const b of [bytes, job.payload]) {
            const whole = wholeBuffer(b);
            if (whole && !transfer.includes(whole)) transfer.push(whole);
          }
          return { seq: job.seq, bytes, payload: job.payload };
        } catch (err) {
          return { seq: job.seq, error: errorForThread(err) };
        }
      }
      const bases = job.baseIds.map(readBase).filter((b): b is DeltaBase => b !== undefined);
      const p = encodeBlob(job.bytes, bases);
      return { seq: job.seq, encoding: p.encoding, payload: p.payload };
    });
    try {
      parentPort!.postMessage(results, transfer);
    } catch {
      // A buffer that cannot be detached (allocated outside V8): send copies instead.
      parentPort!.postMessage(results);
    }
  } catch (err) {
    parentPort!.postMessage({ failed: errorForThread(err) } satisfies PoolFailure);
  }
});
