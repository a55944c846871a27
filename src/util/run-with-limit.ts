/**
 * Runs `fn` on each item in order, with at most `limit` of them unfinished at a time
 * (one that finishes synchronously takes no slot for long). After the first failure no
 * new item starts; the ones under way are waited for, then that failure is thrown.
 */
export async function runWithLimit<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void> | void): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  for (const item of items) {
    if (failure) break;
    const p: Promise<void> = Promise.resolve()
      .then(() => fn(item))
      .catch((err: unknown) => { failure ??= { err }; })
      .finally(() => running.delete(p));
    running.add(p);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure.err;
}
