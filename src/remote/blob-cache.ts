import type { Oid } from '../hash/index.js';

/**
 * Decoded blob bytes kept by id, oldest dropped first once `maxBytes` is exceeded (delta
 * bases and chunks read back while verifying a transfer). Blobs over a quarter of the
 * budget are not kept.
 */
export class BlobCache {
  private readonly map = new Map<Oid, Uint8Array>();
  private bytes = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  get(id: Oid): Uint8Array | undefined {
    return this.map.get(id);
  }

  has(id: Oid): boolean {
    return this.map.has(id);
  }

  remember(id: Oid, data: Uint8Array): void {
    if (data.length > this.maxBytes / 4 || this.map.has(id)) return;
    this.map.set(id, data);
    this.bytes += data.length;
    while (this.bytes > this.maxBytes) {
      const [oldest, b] = this.map.entries().next().value as [Oid, Uint8Array];
      this.map.delete(oldest);
      this.bytes -= b.length;
    }
  }
}
