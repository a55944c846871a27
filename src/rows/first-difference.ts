import { nativeAddon } from '../native/index.js';

/** Span lengths tried first; a span that compares equal doubles the next one, up to the maximum. */
const FIRST_SPAN = 256;
const MAX_SPAN = 1 << 16;
/** Below this many bytes the difference is looked for byte by byte. */
const LINEAR = 32;

/**
 * The offset of the first byte at which `a[aStart…]` and `b[bStart…]` differ within `n`
 * bytes, or `n` when they are the same: one native call where the addon is built.
 */
export function firstDifference(a: Buffer, aStart: number, b: Buffer, bStart: number, n: number): number {
  const native = nativeAddon();
  return native?.firstDifference ? native.firstDifference(a, aStart, b, bStart, n) : firstDifferenceJs(a, aStart, b, bStart, n);
}

/**
 * The JavaScript twin: compares growing spans with Buffer.compare (memcmp) and narrows a
 * differing span down by halves, so long equal runs cost a few calls.
 */
export function firstDifferenceJs(a: Buffer, aStart: number, b: Buffer, bStart: number, n: number): number {
  let i = 0;
  let span = FIRST_SPAN;
  while (i < n) {
    const len = Math.min(span, n - i);
    if (a.compare(b, bStart + i, bStart + i + len, aStart + i, aStart + i + len) === 0) {
      i += len;
      if (span < MAX_SPAN) span *= 2;
      continue;
    }
    let lo = i;
    let hi = i + len;
    while (hi - lo > LINEAR) {
      const mid = (lo + hi) >>> 1;
      if (a.compare(b, bStart + lo, bStart + mid, aStart + lo, aStart + mid) === 0) lo = mid;
      else hi = mid;
    }
    while (a[aStart + lo] === b[bStart + lo]) lo++;
    return lo;
  }
  return n;
}
