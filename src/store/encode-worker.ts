/**
 * Body of an encode worker thread: receives batches of blob chunks with the ids of their
 * candidate delta bases, reads those bases from the store itself (so the main thread
 * neither decodes nor copies them), and answers with the encoded payloads. It runs the
 * same `encodeBlob` as the main thread, so threaded and unthreaded stores are identical.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Oid } from '../hash/index.js';
import { encodeBlob, type DeltaBase } from './record.js';
import { openStoreEnv } from './environment.js';
import { ObjectStore } from './object-store.js';
import type { EncodeFailure, EncodeJob, EncodeResult } from './encode-pool.js';

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

parentPort!.on('message', (jobs: EncodeJob[]) => {
  try {
    const results: EncodeResult[] = jobs.map((job) => {
      const bases = job.baseIds.map(readBase).filter((b): b is DeltaBase => b !== undefined);
      const p = encodeBlob(job.bytes, bases);
      return { seq: job.seq, encoding: p.encoding, payload: p.payload };
    });
    parentPort!.postMessage(results);
  } catch (err) {
    // Errors lose their class crossing threads: send what the main thread needs to rebuild it.
    const e = err as { code?: unknown; message?: unknown; data?: unknown };
    parentPort!.postMessage({ failed: { code: String(e.code ?? ''), message: String(e.message ?? err), data: e.data ?? {} } } satisfies EncodeFailure);
  }
});
