import type { Oid } from '../hash/index.js';

/**
 * Decoded bytes of blobs the native verifier keeps per transfer, at most (native/recent_blobs.c).
 * This side counts against half of it: other transfers in the same process (a server's)
 * and results still on their way share what the threads keep.
 */
const THREADS_KEEP_BYTES = 64 * 1024 * 1024;
const BUDGET = THREADS_KEEP_BYTES / 2;

/**
 * Which blobs verified during one import the verifier's threads probably still hold (the
 * most recent, up to a budget of decoded bytes), so a delta against one of them can go
 * to the threads without its chain of stored bases. A guess that proved wrong costs a
 * second trip with the chain: the threads answer "undecided" when they lack the base.
 */
export class ThreadHeldBlobs {
  private readonly sizes = new Map<Oid, number>();
  private bytes = 0;

  has(id: Oid): boolean {
    return this.sizes.has(id);
  }

  /** Notes a blob the threads just verified (and so hold), with its decoded size. */
  add(id: Oid, size: number): void {
    if (size > BUDGET / 4 || this.sizes.has(id)) return;
    this.sizes.set(id, size);
    this.bytes += size;
    // A Map iterates in insertion order: the first keys are the oldest.
    for (const [old, n] of this.sizes) {
      if (this.bytes <= BUDGET) break;
      this.sizes.delete(old);
      this.bytes -= n;
    }
  }
}
