import crypto from 'node:crypto';
import { isRecordedProcessAlive, thisProcess, type ProcessIdentity } from '../util/index.js';
import type { StoreEnv } from './environment.js';

/** Key prefix of exclusive locks in the meta database. */
export const LOCK_PREFIX = 'lock:';

/** Who holds a lock: the process (pid and start time, so a reused pid is not mistaken for it) and since when. */
export interface LockHolder extends ProcessIdentity { since: number; token: string }

/** Locks this process holds, per environment: taking one again inside is a no-op (re-entrant). */
const held = new WeakMap<StoreEnv, Set<string>>();

/**
 * Runs `fn` holding the named lock of this repository. The lock is a record in the meta
 * database, taken and released in write transactions (LMDB serialises them across
 * processes), so two processes can never both take it. A lock whose holder died
 * (kill -9, power loss) is taken over. When a live process holds it, `refuse(holder)`
 * is thrown at once: nothing waits.
 */
export async function withExclusiveLock<T>(env: StoreEnv, name: string, fn: () => Promise<T> | T, refuse: (holder: LockHolder) => Error): Promise<T> {
  const mine = held.get(env) ?? new Set<string>();
  if (mine.has(name)) return fn();
  const key = LOCK_PREFIX + name;
  const me: LockHolder = { ...thisProcess(), since: Date.now(), token: crypto.randomBytes(8).toString('hex') };
  const other = env.root.transactionSync(() => {
    const cur = env.meta.get(key) as LockHolder | undefined;
    if (cur && isRecordedProcessAlive(cur)) return cur;
    env.meta.putSync(key, me);
    return undefined;
  });
  if (other) throw refuse(other);
  mine.add(name);
  held.set(env, mine);
  try {
    return await fn();
  } finally {
    mine.delete(name);
    env.root.transactionSync(() => {
      if ((env.meta.get(key) as LockHolder | undefined)?.token === me.token) env.meta.removeSync(key);
    });
  }
}

/** The live holder of a lock, if any. */
export function lockHolder(env: StoreEnv, name: string): LockHolder | undefined {
  const cur = env.meta.get(LOCK_PREFIX + name) as LockHolder | undefined;
  return cur && isRecordedProcessAlive(cur) ? cur : undefined;
}
