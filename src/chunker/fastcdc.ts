import { nativeAddon } from '../native/index.js';

/** Chunking parameters; changing them changes how new content is split (never ids of files). */
export interface ChunkParams {
  min: number;
  avg: number;
  max: number;
}

export const DEFAULT_CHUNK_PARAMS: Readonly<ChunkParams> = { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 };

/** The gear table: 256 pseudo-random 32-bit words from xorshift32 seeded with 0x2545f491. */
export const GEAR: Int32Array = (() => {
  const g = new Int32Array(256);
  let s = 0x2545f491;
  for (let i = 0; i < 256; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    g[i] = s | 0;
  }
  return g;
})();

/** A mask with the top `n` bits of 32 set. */
function topMask(n: number): number {
  return (n >= 32 ? -1 : ~((1 << (32 - n)) - 1)) | 0;
}

/**
 * Finds the end of the chunk starting at `start` in `buf[start, end)`. Returns the cut
 * offset, or -1 when the data ends before a boundary or the maximum size (more is needed).
 * `final` says no more data follows, so the remainder is a chunk.
 */
export function findCut(buf: Uint8Array, start: number, end: number, params: ChunkParams, final: boolean): number {
  const native = nativeAddon();
  if (!native) return findCutJs(buf, start, end, params, final);
  const { min, avg, max } = params;
  const bits = Math.round(Math.log2(avg));
  return native.findCut(buf, start, end, min, avg, max, topMask(bits + 2) >>> 0, topMask(bits - 2) >>> 0, final);
}

/** The JavaScript cut search (the addon's twin, and the fallback where it is not built). */
export function findCutJs(buf: Uint8Array, start: number, end: number, params: ChunkParams, final: boolean): number {
  const { min, avg, max } = params;
  const avail = end - start;
  if (avail <= min) return final ? end : -1;
  const bits = Math.round(Math.log2(avg));
  const maskS = topMask(bits + 2);
  const maskL = topMask(bits - 2);
  const hardEnd = Math.min(start + max, end);
  const normal = Math.min(start + avg, hardEnd);
  const G = GEAR;
  let h = 0;
  let i = start + min;
  for (; i < normal; i++) {
    h = ((h << 1) + G[buf[i]!]!) | 0;
    if ((h & maskS) === 0) return i + 1;
  }
  for (; i < hardEnd; i++) {
    h = ((h << 1) + G[buf[i]!]!) | 0;
    if ((h & maskL) === 0) return i + 1;
  }
  if (hardEnd === start + max) return hardEnd;
  return final ? end : -1;
}

/**
 * A streaming chunker: `push` buffers as they are read, receive whole chunks; `finish`
 * returns the last one. Chunks inside one pushed buffer are views, not copies.
 */
export class Chunker {
  private pending: Uint8Array = new Uint8Array(0);
  constructor(private readonly params: ChunkParams = DEFAULT_CHUNK_PARAMS) {}

  push(data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let start = 0;
    if (this.pending.length > 0) {
      // Only the chunk that straddles the previous push is copied, never the whole input.
      const head = concat(this.pending, data.subarray(0, Math.min(data.length, this.params.max)));
      const cut = findCut(head, 0, head.length, this.params, false);
      if (cut < 0) {
        this.pending = head.length === this.pending.length + data.length ? head : concat(this.pending, data);
        return out;
      }
      out.push(head.subarray(0, cut));
      start = cut - this.pending.length;
    }
    for (;;) {
      const cut = findCut(data, start, data.length, this.params, false);
      if (cut < 0) break;
      out.push(data.subarray(start, cut));
      start = cut;
    }
    // Copy the tail: the caller may reuse its read buffer.
    this.pending = start === data.length ? new Uint8Array(0) : Uint8Array.prototype.slice.call(data, start);
    return out;
  }

  finish(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const buf = this.pending;
    let start = 0;
    while (start < buf.length) {
      const cut = findCut(buf, start, buf.length, this.params, true);
      out.push(buf.subarray(start, cut));
      start = cut;
    }
    this.pending = new Uint8Array(0);
    return out;
  }
}

/** Splits a whole buffer into chunks (views). */
export function chunkBuffer(buf: Uint8Array, params: ChunkParams = DEFAULT_CHUNK_PARAMS): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  while (start < buf.length) {
    const cut = findCut(buf, start, buf.length, params, true);
    out.push(buf.subarray(start, cut));
    start = cut;
  }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
