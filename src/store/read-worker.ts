/**
 * Body of a content read worker: for each file it is handed, reads and decodes the
 * chunks in order (deltas through their verified bases) into the shared ring of
 * content-stream.ts, waiting while the ring is full, and stops when the reader cancels.
 * The reading thread verifies each chunk against its id as it takes it (hashing there
 * balances the two threads: decoding is the larger share). A failure is reported on the job's port and in the ring's state word.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CorruptObjectError } from '../errors/index.js';
import {
  CTRL_CONSUMED, CTRL_LENGTHS, CTRL_PRODUCED, CTRL_STATE, RING_SLOTS, SLOT_BYTES, STATE_CANCELLED, STATE_FAILED,
  type StreamJob,
} from './content-stream.js';
import { errorForThread } from '../util/index.js';
import { openStoreEnv } from './environment.js';
import { ObjectStore } from './object-store.js';

const dvDir = (workerData as { dvDir: string }).dvDir;
let objects: ObjectStore | undefined;

function run(job: StreamJob): void {
  const ctrl = new Int32Array(job.ctrl);
  const data = new Uint8Array(job.data);
  objects ??= new ObjectStore(openStoreEnv(dvDir), dvDir);
  try {
    for (let i = 0; i < job.chunks.length; i++) {
      for (;;) {
        if (Atomics.load(ctrl, CTRL_STATE) === STATE_CANCELLED) return;
        const consumed = Atomics.load(ctrl, CTRL_CONSUMED);
        if (i - consumed < RING_SLOTS) break;
        Atomics.wait(ctrl, CTRL_CONSUMED, consumed, 1000);
      }
      const c = job.chunks[i]!;
      const slot = i % RING_SLOTS;
      // Decoded straight into the ring (no buffer per chunk, no copy); the reader verifies it.
      const n = objects.readBlobIntoUnverified(c.id, data.subarray(slot * SLOT_BYTES, (slot + 1) * SLOT_BYTES));
      if (n !== c.size) throw new CorruptObjectError(`object ${c.id} has the wrong size`, { data: { id: c.id } });
      ctrl[CTRL_LENGTHS + slot] = n;
      Atomics.store(ctrl, CTRL_PRODUCED, i + 1);
      Atomics.notify(ctrl, CTRL_PRODUCED);
    }
  } catch (err) {
    job.port.postMessage(errorForThread(err));
    Atomics.store(ctrl, CTRL_STATE, STATE_FAILED);
    Atomics.notify(ctrl, CTRL_PRODUCED);
  } finally {
    job.port.close();
  }
}

parentPort!.on('message', (job: StreamJob) => run(job));
