/**
 * Body of a store worker thread. Encode jobs: blob chunks with the ids of their candidate
 * delta bases, which the worker reads from the store itself (so the main thread neither
 * decodes nor copies them), answered with the encoded payloads; it runs the same
 * `encodeBlob` as the main thread, so threaded and unthreaded stores are identical.
 * Verify jobs: a received blob payload, answered with its bytes once they hash to its id;
 * or, for a chunk of files being received, with the pieces of those files' hashes, the
 * bytes written into the files and kept only when asked for.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { hashPiece, type Oid } from '../hash/index.js';
import { CorruptObjectError } from '../errors/index.js';
import { decodePayloadInto, encodeBlob, ENCODING_DELTA, type DeltaBase } from './record.js';
import { checkEncoding, verifyObjectBytes, verifyPayload } from './verify-payload.js';
import { openStoreEnv } from './environment.js';
import { ObjectStore } from './object-store.js';
import type { PoolFailure, PoolJob, PoolResult } from './store-pool.js';
import { errorForThread, wholeBuffer, writeFully } from '../util/index.js';

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
  const obj = verifyPayload(id, { kind: 'blob', encoding, payload }, () => { throw deltaHere(id); });
  return (obj as { data: Uint8Array }).data;
}

/** Deltas never come to a worker: the main thread holds their bases. */
function deltaHere(id: Oid): CorruptObjectError {
  return new CorruptObjectError(`object ${id} is a delta, which is verified where its base is held`, { data: { id } });
}

/** Adds the buffers under `bytes` to `transfer`, so they move back instead of being copied. */
function moveBack(transfer: ArrayBuffer[], ...bytes: Array<Uint8Array | undefined>): void {
  for (const b of bytes) {
    const whole = b && wholeBuffer(b);
    if (whole && !transfer.includes(whole)) transfer.push(whole);
  }
}

/** Where chunks of files are decoded (reused: their bytes go to the files, not back). */
let scratch = Buffer.alloc(0);

/**
 * A chunk of files being received: decoded into the scratch buffer, checked against its
 * id and size, then per use hashed as a piece of its file and written into it (a failed
 * write is reported, not thrown: the file is then checked out from the store instead).
 * `open` keeps the batch's file descriptors.
 */
function verifyChunk(job: Extract<PoolJob, { op: 'verify' }>, open: Map<string, number>): { bytes: Uint8Array; pieces: Uint8Array[]; unwritten: boolean[] } {
  checkEncoding(job.id, 'blob', job.encoding);
  if (job.encoding === ENCODING_DELTA) throw deltaHere(job.id);
  const size = job.size!;
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, 1024 * 1024));
  const bytes = scratch.subarray(0, size);
  if (decodePayloadInto(job.encoding, job.payload, job.id, bytes) !== size) {
    throw new CorruptObjectError(`object ${job.id} has the wrong size for the file that lists it`, { data: { id: job.id } });
  }
  verifyObjectBytes(job.id, bytes);
  const uses = job.uses!;
  const unwritten = uses.map((u) => {
    if (!u.path) return false;
    try {
      let fd = open.get(u.path);
      if (fd === undefined) open.set(u.path, fd = fs.openSync(u.path, 'r+'));
      writeFully(fd, bytes, u.offset);
      return false;
    } catch {
      return true;
    }
  });
  return { bytes, pieces: uses.map((u) => hashPiece(bytes, u.offset, u.contentSize)), unwritten };
}

parentPort!.on('message', (jobs: PoolJob[]) => {
  const transfer: ArrayBuffer[] = [];
  const open = new Map<string, number>();
  try {
    const results: PoolResult[] = jobs.map((job) => {
      if (job.op === 'verify') {
        try {
          if (job.uses?.length) {
            const { bytes, pieces, unwritten } = verifyChunk(job, open);
            const kept = job.keep ? new Uint8Array(bytes) : undefined;
            moveBack(transfer, job.payload, kept);
            return { seq: job.seq, verified: true, payload: job.payload, bytes: kept, pieces, unwritten };
          }
          const bytes = verifyBlob(job.id, job.encoding, job.payload);
          // A raw payload is its own bytes: one buffer.
          moveBack(transfer, bytes, job.payload);
          return { seq: job.seq, verified: true, bytes, payload: job.payload };
        } catch (err) {
          return { seq: job.seq, error: errorForThread(err) };
        }
      }
      const bases = job.baseIds.map(readBase).filter((b): b is DeltaBase => b !== undefined);
      const p = encodeBlob(job.bytes, bases);
      return { seq: job.seq, encoding: p.encoding, payload: p.payload };
    });
    for (const fd of open.values()) fs.closeSync(fd);
    open.clear();
    try {
      parentPort!.postMessage(results, transfer);
    } catch {
      // A buffer that cannot be detached (allocated outside V8): send copies instead.
      parentPort!.postMessage(results);
    }
  } catch (err) {
    for (const fd of open.values()) fs.closeSync(fd);
    parentPort!.postMessage({ failed: errorForThread(err) } satisfies PoolFailure);
  }
});
