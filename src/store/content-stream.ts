import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { InternalError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import type { ChunkRef } from '../objects/index.js';
import { errorFromThread, startWorker as startThread, threadSetting, type ThreadError } from '../util/index.js';
import { verifyObjectBytes } from './verify-payload.js';

/** Chunks decoded ahead of the reader: a ring of this many slots… */
export const RING_SLOTS = 16;
/** …each as large as the largest chunk the chunker makes. */
export const SLOT_BYTES = 256 * 1024;
/** Ring control words: produced count, consumed count, state; then each slot's length. */
export const CTRL_PRODUCED = 0;
export const CTRL_CONSUMED = 1;
export const CTRL_STATE = 2;
export const CTRL_LENGTHS = 8;
export const STATE_RUNNING = 0;
export const STATE_FAILED = 2;
export const STATE_CANCELLED = 3;
/** A reader that makes no progress for this long is taken for dead. */
const STALL_MS = 120_000;

/** What the main thread hands a read worker for one file. */
export interface StreamJob { chunks: ChunkRef[]; ctrl: SharedArrayBuffer; data: SharedArrayBuffer; port: MessagePort }


const idle = new Map<string, Worker[]>();

/** Files from this size up are read on other threads (smaller ones cost more to hand over). */
const LARGE_CONTENT_BYTES = 16 * 1024 * 1024;

/** True when a file of `size` bytes is worth reading on a worker thread. */
export function streamsOnWorker(size: number, chunks: readonly ChunkRef[]): boolean {
  if (size < LARGE_CONTENT_BYTES) return false;
  const threads = threadSetting((cores) => cores - 1);
  if (!Number.isInteger(threads) || threads < 1) return false;
  return chunks.every((c) => c.size <= SLOT_BYTES);
}

/**
 * Reads a file's chunks, in order, on a worker thread that reads and decodes each one
 * into a small shared ring while this thread verifies (against its id) and consumes them: the
 * caller stays synchronous, blocking only when the worker is behind. Yields views of the
 * ring, valid until the next step, unless `copy` (each chunk then gets its own buffer).
 * Stopping early cancels the worker.
 */
export function* streamChunks(dvDir: string, chunks: ChunkRef[], copy: boolean): Generator<Uint8Array> {
  const worker = idle.get(dvDir)?.pop() ?? startWorker(dvDir);
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * (CTRL_LENGTHS + RING_SLOTS)));
  const data = new Uint8Array(new SharedArrayBuffer(RING_SLOTS * SLOT_BYTES));
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ chunks, ctrl: ctrl.buffer, data: data.buffer, port: port2 } satisfies StreamJob, [port2]);
  let finished = false;
  try {
    for (let i = 0; i < chunks.length; i++) {
      // The previous view is no longer in use: its slot may be refilled.
      Atomics.store(ctrl, CTRL_CONSUMED, i);
      Atomics.notify(ctrl, CTRL_CONSUMED);
      waitForChunk(ctrl, i, port1);
      const slot = i % RING_SLOTS;
      const view = data.subarray(slot * SLOT_BYTES, slot * SLOT_BYTES + ctrl[CTRL_LENGTHS + slot]!);
      verifyObjectBytes(chunks[i]!.id, view);
      yield copy ? Buffer.from(view) : view;
    }
    finished = true;
  } finally {
    if (!finished) {
      Atomics.store(ctrl, CTRL_STATE, STATE_CANCELLED);
      Atomics.notify(ctrl, CTRL_CONSUMED);
    }
    port1.close();
    // A worker that failed is not reused (its error is already thrown).
    if (Atomics.load(ctrl, CTRL_STATE) !== STATE_FAILED) {
      const list = idle.get(dvDir) ?? [];
      list.push(worker);
      idle.set(dvDir, list);
    } else {
      void worker.terminate();
    }
  }
}

function waitForChunk(ctrl: Int32Array, i: number, port: MessagePort): void {
  let waited = 0;
  for (;;) {
    const produced = Atomics.load(ctrl, CTRL_PRODUCED);
    if (produced > i) return;
    if (Atomics.load(ctrl, CTRL_STATE) === STATE_FAILED) throw failure(receiveMessageOnPort(port)?.message as ThreadError | undefined);
    if (Atomics.wait(ctrl, CTRL_PRODUCED, produced, 1000) === 'timed-out' && (waited += 1000) >= STALL_MS) {
      throw new InternalError('reading content on a worker thread made no progress for two minutes', { hint: 'retry with DV_THREADS=0' });
    }
  }
}

/** The reader's error for what a read worker reported: the same error the reading thread itself would have thrown. */
function failure(e: ThreadError | undefined): Error {
  return e ? errorFromThread(e, 'reading content failed') : new InternalError('a content read worker failed without saying why');
}

function startWorker(dvDir: string): Worker {
  // A small heap: the worker holds one chunk at a time; the ring is shared memory.
  const worker = startThread(import.meta.url, 'store', 'read-worker', { workerData: { dvDir }, resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 48 } });
  // Idle readers must not keep the process alive.
  worker.unref();
  worker.on('error', () => { for (const list of idle.values()) list.splice(list.indexOf(worker) >>> 0, list.includes(worker) ? 1 : 0); });
  return worker;
}
