/**
 * Body of a contract-check worker thread: checks the segments of one table it is sent
 * (runs of whole rows) with the same per-row code as the single-threaded check, answers
 * each with its tally, and at the end hands over its unique-column sets.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { segmentReader } from '../rows/index.js';
import { errorForThread } from '../util/index.js';
import type { CheckWorkerData, WorkerReply, WorkerRequest } from './check-pool.js';
import { planTable, scanRows, takeUniqueStates, type TablePlan } from './table-scan.js';

const data = workerData as CheckWorkerData;
/** The plan lives across segments: its unique sets gather every row this thread sees. */
let plan: TablePlan | undefined;

function reply(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

parentPort!.on('message', (msg: WorkerRequest) => {
  try {
    if (msg.finish) {
      const uniques = plan ? takeUniqueStates(plan) : [];
      const transfer = uniques.flatMap((u) => [u.seen.keys.buffer, u.seen.lines.buffer, u.suspects.buffer, ...(u.bits ? [u.bits.buffer] : [])]) as ArrayBuffer[];
      reply({ uniques }, transfer);
      return;
    }
    const { bytes } = msg;
    const reader = segmentReader(bytes, data.format, data.columns, data.label);
    plan ??= planTable(reader, data.contract);
    const tally = scanRows(reader, plan, reader.next(), data.expectBytes);
    // The rows are done with: the buffer goes back for the next segments.
    reply({ seq: msg.seq, tally, buffer: bytes.buffer as ArrayBuffer }, [bytes.buffer as ArrayBuffer]);
  } catch (err) {
    reply({ failed: errorForThread(err) });
  }
});
