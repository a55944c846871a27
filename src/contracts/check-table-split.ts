import { InvalidInputError } from '../errors/index.js';
import { threadSetting } from '../util/index.js';
import { RowSegmenter, segmentReader, TableReader, type ChunkSource, type TableFormat } from '../rows/index.js';
import { CheckPool } from './check-pool.js';
import { checkTable, finishTable, type TableCheckResult } from './check-table.js';
import type { Contract } from './contract-spec.js';
import { emptyTally, mergeTally, mergeUniqueStates, planTable, scanRows, takeUniqueStates } from './table-scan.js';

/** How a large table is split: segments of about `segmentBytes` checked on `threads` worker threads. */
export interface SplitSettings { threads: number; segmentBytes: number }

const SEGMENT_BYTES = 8 * 1024 * 1024;

/**
 * How a table of `size` bytes is checked: split when it is at least two segments long
 * and more than one thread is allowed (`DV_THREADS`, default: the cores), else null (one
 * thread). `DV_VALIDATE_SEGMENT_BYTES` sets the segment size (8 MiB; tests make it tiny).
 */
export function splitSettings(size: number, env: NodeJS.ProcessEnv = process.env): SplitSettings | null {
  const threads = threadSetting((cores) => cores, env);
  const wanted = Number(env.DV_VALIDATE_SEGMENT_BYTES ?? SEGMENT_BYTES);
  const segmentBytes = Number.isInteger(wanted) && wanted > 0 ? wanted : SEGMENT_BYTES;
  if (!Number.isInteger(threads) || threads < 2 || size < 2 * segmentBytes) return null;
  return { threads: Math.min(threads, 16), segmentBytes };
}

/** Checks a table on this thread, or split across worker threads when it is large (same result either way). */
export async function checkTableAuto(source: ChunkSource, format: TableFormat, contract: Contract, opts: { now: number }): Promise<TableCheckResult> {
  const split = splitSettings(source.size);
  if (!split) return checkTable(source, format, contract, opts);
  return (await checkTableSplit(source, format, contract, { ...opts, ...split })).result;
}

/**
 * checkTable on `threads` threads: this one and threads - 1 workers. This thread reads
 * the header (JSONL: the first row) and plans the rules, then reads the table once,
 * cutting it at record boundaries into segments that the workers — and this thread when
 * they are all busy — check with the same per-row code. Tallies merge in file order
 * (counts add up, sample rows keep the first few with lines counted on from the segments
 * before), and unique sets merge so that a key seen in two segments is a suspect like a
 * key seen twice in one; the exact duplicate pass then runs over the whole table as
 * before. A data error in a segment (a bad JSONL row) reruns the check on this thread,
 * which reports the first one in the file. Returns the result and the number of segments.
 */
export async function checkTableSplit(source: ChunkSource, format: TableFormat, contract: Contract, opts: SplitSettings & { now: number }): Promise<{ result: TableCheckResult; segments: number }> {
  let headPieces: Iterator<Uint8Array> | undefined;
  const head = new TableReader(format, { ...source, open: () => (headPieces = source.open()) });
  try {
    if (format === 'jsonl' && head.next()) head.cells();
  } finally {
    headPieces?.return?.();
  }
  const plan = planTable(head, contract);
  const segmenter = new RowSegmenter(source, format, head.dataStart, opts.segmentBytes);
  const columns = [...head.columns];
  const expectBytes = Math.ceil(source.size / opts.threads);
  // This thread is one of the threads: it reads, and checks a segment whenever every worker is full.
  const pool = new CheckPool(Math.max(1, opts.threads - 1), { format, contract, columns, label: source.label, expectBytes }, (buf) => segmenter.recycle(buf));
  const alone = async (): Promise<{ result: TableCheckResult; segments: number }> => {
    await pool.close();
    return { result: checkTable(source, format, contract, opts), segments: 1 };
  };
  let segments = 0;
  try {
    for (const bytes of segmenter.segments()) {
      const seq = segments++;
      if (pool.trySend(seq, bytes)) continue;
      const reader = segmentReader(bytes, format, columns, source.label);
      pool.record(seq, scanRows(reader, plan, reader.next(), expectBytes));
      segmenter.recycle(bytes.buffer as ArrayBuffer);
      await pool.poll();
    }
    if (segmenter.gaveUp) return await alone();
    const tally = emptyTally(plan);
    let lineBase = head.linesBeforeData;
    for (const part of await pool.tallies(segments)) {
      mergeTally(tally, part, lineBase);
      lineBase += part.lines;
    }
    const states = [takeUniqueStates(plan), ...(await pool.uniqueStates()).filter((s) => s.length > 0)];
    plan.uniques.forEach((u, i) => mergeUniqueStates(u, states.map((s) => s[i]!)));
    return { result: finishTable(source, format, contract, plan, tally, opts.now), segments };
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    return await alone();
  } finally {
    await pool.close();
  }
}
