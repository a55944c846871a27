import fs from 'node:fs';
import path from 'node:path';
import {
  bumpGeneration, liveLeases, packFileName, PackWriter, PACKS_DIR,
  readGeneration, recordLocation, relocateRecord, type PackLocation, type StoreEnv,
} from '../store/index.js';
import { packUsage, type PackUsage } from './pack-usage.js';

/** Rewrite a pack when at least this share of it is no longer used. */
const MIN_DEAD_SHARE = 0.25;
/** How long to wait for other processes' older read snapshots before removing pack files. */
const READER_WAIT_MS = 2000;
const NEXT_PACK_KEY = 'pack.next';

/** What pack compaction did. */
export interface CompactResult {
  /** Pack files removed, and pack files written to hold what was still used in them. */
  packsRemoved: number;
  packsWritten: number;
  /** Disk bytes given back (removed pack files minus the new ones). */
  bytesFreed: number;
  /** Pack files that are now unused but still open to another process's older snapshot; the next gc removes them. */
  packsDeferred: number;
}

interface Move { key: Buffer; old: Buffer; loc: PackLocation; next?: Buffer }

/**
 * Gives back the disk space of removed objects: packs that are mostly unused have their
 * live payloads copied into a new pack, then the locators move in one write transaction
 * that first re-checks the generation and writer leases (else nothing changes and the new
 * pack is dropped), and only then are the old files removed, once no other process holds
 * a snapshot that could still point into them.
 */
export async function compactPacks(env: StoreEnv, dvDir: string): Promise<CompactResult> {
  const none: CompactResult = { packsRemoved: 0, packsWritten: 0, bytesFreed: 0, packsDeferred: 0 };
  env.root.resetReadTxn();
  const generation = readGeneration(env);
  const next = (env.meta.get(NEXT_PACK_KEY) as number | undefined) ?? 1;
  const chosen = packUsage(env, dvDir, next).filter((p) => p.live === 0 || (p.size - p.live) / p.size >= MIN_DEAD_SHARE);
  if (chosen.length === 0) return none;
  const moves = collectMoves(env, new Set(chosen.map((p) => p.pack)));

  let written: number[] = [];
  try {
    written = copyPayloads(env, dvDir, moves);
  } catch {
    // Another gc removed a pack we were reading: it got there first.
    removePacks(dvDir, written);
    return none;
  }
  const committed = env.root.transactionSync(() => {
    if (readGeneration(env) !== generation || liveLeases(env).length > 0) return false;
    for (const m of moves) {
      const cur = env.objects.getBinary(m.key);
      if (!cur || !cur.equals(m.old)) return false;
    }
    for (const m of moves) env.objects.putSync(m.key, m.next!);
    if (moves.length > 0) bumpGeneration(env);
    return true;
  });
  if (!committed) {
    removePacks(dvDir, written);
    return none;
  }
  const newBytes = written.reduce((s, n) => s + fileSize(dvDir, n), 0);
  if (!(await waitForOlderReaders(env))) {
    return { packsRemoved: 0, packsWritten: written.length, bytesFreed: 0, packsDeferred: chosen.length };
  }
  removePacks(dvDir, chosen.map((p) => p.pack));
  return { packsRemoved: chosen.length, packsWritten: written.length, bytesFreed: total(chosen) - newBytes, packsDeferred: 0 };
}

/** Every object whose payload lives in one of `packs`, in pack and offset order (sequential reads). */
function collectMoves(env: StoreEnv, packs: Set<number>): Move[] {
  const moves: Move[] = [];
  for (const { key, value } of env.objects.getRange()) {
    const rec = value as Buffer;
    const loc = recordLocation(rec, (key as Buffer).toString('hex'));
    if (loc && packs.has(loc.pack)) moves.push({ key: Buffer.from(key as Buffer), old: Buffer.from(rec), loc });
  }
  return moves.sort((a, b) => a.loc.pack - b.loc.pack || a.loc.offset - b.loc.offset);
}

/** Copies each payload verbatim into new packs (synced to disk); returns the new pack numbers. */
function copyPayloads(env: StoreEnv, dvDir: string, moves: Move[]): number[] {
  if (moves.length === 0) return [];
  const writer = new PackWriter(env, dvDir);
  const packs = new Set<number>();
  let fd: number | null = null;
  let fdPack = -1;
  try {
    for (const m of moves) {
      if (m.loc.pack !== fdPack) {
        if (fd !== null) fs.closeSync(fd);
        fd = fs.openSync(path.join(dvDir, PACKS_DIR, packFileName(m.loc.pack)), 'r');
        fdPack = m.loc.pack;
      }
      const buf = Buffer.allocUnsafe(m.loc.length);
      let off = 0;
      while (off < buf.length) {
        const n = fs.readSync(fd!, buf, off, buf.length - off, m.loc.offset + off);
        if (n === 0) throw new Error(`pack ${packFileName(m.loc.pack)} is truncated`);
        off += n;
      }
      const loc = writer.append(buf);
      packs.add(loc.pack);
      m.next = relocateRecord(m.old, loc);
    }
  } finally {
    if (fd !== null) fs.closeSync(fd);
    writer.close();
  }
  return [...packs];
}

/**
 * Waits until no other process has a read snapshot older than the last commit (such a
 * reader may hold an old locator and be about to open its pack). False after the timeout.
 */
async function waitForOlderReaders(env: StoreEnv): Promise<boolean> {
  const committed = (env.root.getStats() as { lastTxnId: number }).lastTxnId;
  const deadline = Date.now() + READER_WAIT_MS;
  for (;;) {
    const older = env.root.readerList().split('\n').slice(1).some((line) => {
      const [pid, , txn] = line.trim().split(/\s+/);
      return pid !== undefined && Number(pid) !== process.pid && txn !== undefined && txn !== '-' && Number(txn) < committed;
    });
    if (!older) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function removePacks(dvDir: string, packs: number[]): void {
  for (const n of packs) fs.rmSync(path.join(dvDir, PACKS_DIR, packFileName(n)), { force: true });
}

function fileSize(dvDir: string, n: number): number {
  try {
    return fs.statSync(path.join(dvDir, PACKS_DIR, packFileName(n))).size;
  } catch {
    return 0;
  }
}

function total(packs: PackUsage[]): number {
  return packs.reduce((s, p) => s + p.size, 0);
}
