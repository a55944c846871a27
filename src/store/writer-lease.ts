import crypto from 'node:crypto';
import { isRecordedProcessAlive, thisProcess, type ProcessIdentity } from '../util/index.js';
import type { StoreEnv } from './environment.js';

/** Key prefix of live writer leases in the meta database. */
export const LEASE_PREFIX = 'lease:';

/** A lease: the writing process (its start time too, so a reused pid does not keep it alive) and since when. */
interface Lease extends ProcessIdentity { started: number }

/**
 * Runs `fn` while a lease tells gc that this process is writing objects not yet
 * reachable from any ref. gc refuses to sweep while a live lease exists.
 */
export async function withWriterLease<T>(env: StoreEnv, fn: () => Promise<T> | T): Promise<T> {
  const key = `${LEASE_PREFIX}${process.pid}:${crypto.randomBytes(6).toString('hex')}`;
  env.root.transactionSync(() => env.meta.putSync(key, { ...thisProcess(), started: Date.now() } satisfies Lease));
  try {
    return await fn();
  } finally {
    env.root.transactionSync(() => env.meta.removeSync(key));
  }
}

/** Leases held by processes that are still alive (dead ones, and pids since reused, are ignored). */
export function liveLeases(env: StoreEnv): Array<{ key: string; pid: number }> {
  const out: Array<{ key: string; pid: number }> = [];
  for (const { key, value } of env.meta.getRange({ start: LEASE_PREFIX, end: LEASE_PREFIX + '\uffff' })) {
    const lease = value as Lease;
    if (isRecordedProcessAlive(lease)) out.push({ key: String(key), pid: lease.pid });
  }
  return out;
}
