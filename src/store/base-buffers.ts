/** Buffers below this size are not kept for reuse (a chunk is at most 256 KiB). */
const MIN_BUFFER = 256 * 1024;
/** Larger bases are decoded into a buffer of their own, not one kept for reuse. */
export const MAX_POOLED_BASE = 16 * 1024 * 1024;
/** Free buffers kept: a chunk has at most three candidate bases, and a worker caches eight. */
const MAX_FREE = 16;

/**
 * Buffers that delta bases are decoded into, given back once the chunks encoded against
 * them are done. A re-commit of corrected data decodes each old chunk as the base of its
 * new version; a new buffer for each made the kernel fault in fresh pages for every one
 * (on this kind of virtual machine, decompressing 100 MB of chunks took 180–415 ms into
 * new buffers against 157–165 ms into reused ones).
 */
export class BaseBuffers {
  private readonly free: Uint8Array[] = [];
  private readonly mine = new WeakSet<ArrayBufferLike>();

  /** A buffer of at least `size` bytes (its contents are left over from earlier use). */
  take(size: number): Uint8Array {
    const i = this.free.findIndex((b) => b.length >= size);
    if (i >= 0) return this.free.splice(i, 1)[0]!;
    const b = Buffer.allocUnsafeSlow(Math.max(size, MIN_BUFFER));
    this.mine.add(b.buffer);
    return b;
  }

  /** Gives back the buffer under `bytes` when it came from take (anything else is left alone). */
  give(bytes: Uint8Array): void {
    if (!this.mine.has(bytes.buffer) || this.free.length >= MAX_FREE) return;
    const whole = new Uint8Array(bytes.buffer);
    if (!this.free.some((b) => b.buffer === whole.buffer)) this.free.push(whole);
  }
}
