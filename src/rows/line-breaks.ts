import { nativeAddon } from '../native/index.js';

/**
 * Writes the offsets of the line feeds in `buf[start, end)` to `out`, in order, as many as
 * fit, and returns how many: one call per batch of lines instead of one search per line
 * (native memchr where the addon is built).
 */
export function lineBreaks(buf: Uint8Array, start: number, end: number, out: Int32Array): number {
  const native = nativeAddon();
  return native?.lineBreaks ? native.lineBreaks(buf, start, end, out) : lineBreaksJs(buf, start, end, out);
}

/** The JavaScript line-break search (the addon's twin, and the fallback where it is not built). */
export function lineBreaksJs(buf: Uint8Array, start: number, end: number, out: Int32Array): number {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let n = 0;
  let i = start;
  while (n < out.length) {
    const nl = b.indexOf(10, i);
    if (nl < 0 || nl >= end) break;
    out[n++] = nl;
    i = nl + 1;
  }
  return n;
}

/**
 * How many of the lines ending in `buf[start, end)` (`start` begins a line) are records:
 * not empty and not a lone CR, the blank lines a RecordCursor skips.
 */
export function countRecords(buf: Uint8Array, start: number, end: number): number {
  const native = nativeAddon();
  return native?.countRecords ? native.countRecords(buf, start, end) : countRecordsJs(buf, start, end);
}

/** The JavaScript record count (the addon's twin). */
export function countRecordsJs(buf: Uint8Array, start: number, end: number): number {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let n = 0;
  let line = start;
  for (;;) {
    const nl = b.indexOf(10, line);
    if (nl < 0 || nl >= end) return n;
    const width = nl - line;
    if (width > 1 || (width === 1 && b[line] !== 13)) n++;
    line = nl + 1;
  }
}
