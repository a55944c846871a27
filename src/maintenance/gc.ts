import { ConflictError } from '../errors/index.js';
import { oidToBytes, type Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import { bumpGeneration, liveLeases, readGeneration, type StoreEnv } from '../store/index.js';
import { compactPacks, type CompactResult } from './compact-packs.js';
import { markReachable } from './mark.js';
import { payloadSize } from './pack-usage.js';
import { collectRoots } from './roots.js';

/** What gc removed (or, with dryRun, would remove). */
export interface GcResult {
  dryRun: boolean;
  /** Objects stored before, removed, and kept. */
  objects: number;
  removed: number;
  kept: number;
  /** Stored (possibly compressed) payload bytes of the removed objects. */
  bytesRemoved: number;
  /** How pack files were rewritten to give that space back to the disk (none on a dry run). */
  compaction: CompactResult;
  /** Mark passes needed because other processes wrote meanwhile. */
  attempts: number;
}

export interface GcOptions {
  dryRun?: boolean;
  /** How many times to mark again when another process wrote in between (default 5). */
  retries?: number;
  /** First wait before a retry, doubled each time (default 100 ms). */
  retryDelayMs?: number;
  /** A partial clone: file content no checkout fetched yet is absent, not missing. */
  partial?: boolean;
}

const NO_COMPACTION: CompactResult = { packsRemoved: 0, packsWritten: 0, bytesFreed: 0, packsDeferred: 0 };

interface Garbage { keys: Buffer[]; bytes: number; total: number }

/**
 * Drops objects unreachable from refs, reflogs, the index and config. The mark runs
 * under one read snapshot; the sweep is one write transaction that first re-checks that
 * nothing was written since (generation), that no writer holds a lease (it may be writing
 * objects no ref reaches yet), and that every root is still marked. Otherwise it marks again,
 * and after a few tries gives up with ConflictError, having removed nothing. Finally the
 * pack files the removed objects leave mostly empty are compacted (see compactPacks).
 */
export async function gc(repo: Repository, opts: GcOptions = {}): Promise<GcResult> {
  const env = repo.env;
  const retries = opts.retries ?? 5;
  let delay = opts.retryDelayMs ?? 100;
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    if (attempt > 1) {
      await sleep(delay);
      delay *= 2;
    }
    // A dry run only reads, so a writer at work does not stop it.
    if (liveLeases(env).length > 0 && !opts.dryRun) continue;
    // Everything from here to the sweep is synchronous, so all reads share one snapshot.
    env.root.resetReadTxn();
    const generation = readGeneration(env);
    const marked = markReachable(repo.objects, collectRoots(env), { partial: opts.partial });
    const garbage = findGarbage(env, marked);
    const result = {
      dryRun: !!opts.dryRun, objects: garbage.total, removed: garbage.keys.length, kept: garbage.total - garbage.keys.length,
      bytesRemoved: garbage.bytes, attempts: attempt, compaction: NO_COMPACTION,
    };
    if (opts.dryRun) return result;
    if (garbage.keys.length === 0) return { ...result, compaction: await compactPacks(env, repo.dvDir) };
    const swept = env.root.transactionSync(() => {
      if (readGeneration(env) !== generation || liveLeases(env).length > 0) return false;
      // A root written without an object write (an index entry naming an old blob) must be kept too.
      for (const root of collectRoots(env)) {
        if (!marked.has(root.id) && env.objects.doesExist(oidToBytes(root.id))) return false;
      }
      for (const key of garbage.keys) env.objects.removeSync(key);
      bumpGeneration(env);
      return true;
    });
    if (swept) return { ...result, compaction: await compactPacks(env, repo.dvDir) };
  }
  throw new ConflictError('another dv process is writing; try again', {
    hint: 'gc removes nothing while other dv commands are adding or committing data',
  });
}

/** Stored objects not in `marked`, with their stored sizes. */
function findGarbage(env: StoreEnv, marked: Set<Oid>): Garbage {
  const keys: Buffer[] = [];
  let bytes = 0;
  let total = 0;
  for (const key of env.objects.getKeys()) {
    total++;
    const k = key as Buffer;
    if (marked.has(k.toString('hex') as Oid)) continue;
    keys.push(Buffer.from(k));
    const rec = env.objects.getBinaryFast(k);
    if (rec) bytes += payloadSize(rec, k.toString('hex'));
  }
  return { keys, bytes, total };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
