import { RemoteError } from '../errors/index.js';
import { oidFromBytes, oidToBytes, type Oid } from '../hash/index.js';
import { KIND_BY_CODE, KIND_CODES } from '../objects/index.js';
import type { WireObject } from './transport.js';

/**
 * The byte form of objects on the wire (spec/remote-protocol.md): each object is a frame
 * `[id 32][kind u8][encoding u8][length u32 BE][payload]`, frames simply follow each
 * other. Id lists are concatenated 32-byte ids; "have?" answers are one byte per id.
 */
export const FRAME_HEADER = 32 + 1 + 1 + 4;
/** Largest payload a frame may carry. */
export const MAX_FRAME_PAYLOAD = 256 * 1024 * 1024;

/** A received payload is a view of its piece when it fills at least 1/VIEW_SHARE of it (see decodeFrames). */
const VIEW_SHARE = 4;

/** Writes one frame header into a new buffer (the payload follows it on the wire). */
export function frameHeader(o: WireObject): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER);
  writeFrameHeader(h, 0, o.id, o.kind, o.encoding, o.payload.length);
  return h;
}

/** Writes a frame header into `buf` at `at`. */
export function writeFrameHeader(buf: Buffer, at: number, id: Oid, kind: WireObject['kind'], encoding: number, length: number): void {
  oidToBytes(id).copy(buf, at);
  buf[at + 32] = KIND_CODES[kind];
  buf[at + 33] = encoding;
  buf.writeUInt32BE(length, at + 34);
}

/** Where a framer gets its buffers (sendFrames hands out reused ones). */
export interface FrameBufferSource {
  /** A buffer of the batch size, or of `min` bytes when that is more. */
  take(min?: number): Buffer;
}

/** A source of objects that can frame itself for the wire faster than frame by frame. */
export interface Frameable {
  /** The frames of every object, grouped into buffers of about `target` bytes taken from `buffers`. */
  frames(target: number, buffers?: FrameBufferSource): Iterable<Buffer>;
}

const WAITING = Symbol('waiting');

/**
 * Groups frames into buffers of about `target` bytes (few, large writes). What is grouped
 * goes out as soon as the source pauses, so a source that stalls or fails has still
 * delivered everything it produced before.
 */
export async function* encodeFrames(objects: AsyncIterable<WireObject> & Partial<Frameable>, target = 1024 * 1024, buffers?: FrameBufferSource): AsyncGenerator<Buffer> {
  if (objects.frames) {
    yield* objects.frames(target, buffers);
    return;
  }
  const it = objects[Symbol.asyncIterator]();
  let parts: Buffer[] = [];
  let size = 0;
  const flush = (): Buffer => {
    const out = Buffer.concat(parts, size);
    parts = [];
    size = 0;
    return out;
  };
  for (;;) {
    const next = it.next();
    let r: IteratorResult<WireObject> | typeof WAITING;
    if (size > 0) {
      r = await Promise.race([next, new Promise<typeof WAITING>((resolve) => setImmediate(() => resolve(WAITING)))]);
      if (r === WAITING) {
        yield flush();
        r = await next;
      }
    } else {
      r = await next;
    }
    if (r.done) break;
    const o = r.value;
    const h = frameHeader(o);
    const p = Buffer.from(o.payload.buffer, o.payload.byteOffset, o.payload.byteLength);
    parts.push(h, p);
    size += h.length + p.length;
    if (size >= target) yield flush();
  }
  if (size > 0) yield flush();
}

/**
 * Parses frames from a byte stream; a malformed or truncated stream is a RemoteError.
 * A payload that lies within one received piece and fills at least a quarter of it is a
 * view of it, not a copy (the pieces are the stream's to give away: Node's streams hand
 * out a new buffer each time); a smaller one would keep a piece up to 64 KiB alive in
 * caches and write batches for a few bytes, so it is copied, as is one that straddles
 * pieces: once, straight from them into its own buffer.
 */
export async function* decodeFrames(stream: AsyncIterable<Uint8Array>, opts: { maxPayload?: number } = {}): AsyncGenerator<WireObject> {
  const maxPayload = opts.maxPayload ?? MAX_FRAME_PAYLOAD;
  const header = Buffer.allocUnsafe(FRAME_HEADER);
  let headerFill = 0;
  /** The payload being filled, once its header is read. */
  let payload: Buffer | undefined;
  let payloadFill = 0;
  let frame: { id: Oid; kind: WireObject['kind']; encoding: number } | undefined;
  for await (const chunk of stream) {
    let pos = 0;
    while (pos < chunk.length) {
      if (!payload) {
        const n = Math.min(FRAME_HEADER - headerFill, chunk.length - pos);
        header.set(chunk.subarray(pos, pos + n), headerFill);
        headerFill += n;
        pos += n;
        if (headerFill < FRAME_HEADER) break;
        const len = header.readUInt32BE(34);
        if (len > maxPayload) throw new RemoteError(`an object of ${len} bytes exceeds the limit of ${maxPayload}`, { data: { limit: maxPayload } });
        const kind = KIND_BY_CODE.get(header[32]!);
        const id = oidFromBytes(header.subarray(0, 32));
        if (!kind) throw new RemoteError(`object ${id} arrived with an unknown kind code ${header[32]}`);
        frame = { id, kind, encoding: header[33]! };
        if (chunk.length - pos >= len && len * VIEW_SHARE >= chunk.length) {
          yield { ...frame, payload: Buffer.from(chunk.buffer, chunk.byteOffset + pos, len) };
          pos += len;
          headerFill = 0;
          continue;
        }
        payload = Buffer.allocUnsafe(len);
        payloadFill = 0;
      }
      const n = Math.min(payload.length - payloadFill, chunk.length - pos);
      payload.set(chunk.subarray(pos, pos + n), payloadFill);
      payloadFill += n;
      pos += n;
      if (payloadFill < payload.length) break;
      yield { ...frame!, payload };
      payload = undefined;
      headerFill = 0;
      payloadFill = 0;
    }
  }
  if (headerFill > 0) throw new RemoteError(`the object stream was cut off (${headerFill + payloadFill} stray bytes at its end)`);
}

/** Concatenated raw ids. */
export function encodeIds(ids: Oid[]): Buffer {
  const out = Buffer.allocUnsafe(ids.length * 32);
  ids.forEach((id, i) => oidToBytes(id).copy(out, i * 32));
  return out;
}

/** Parses concatenated raw ids. */
export function decodeIds(bytes: Uint8Array): Oid[] {
  return rawIds(bytes).map(oidFromBytes);
}

/** Concatenated raw ids as 32-byte views of `bytes` (no copies, no hex). */
export function rawIds(bytes: Uint8Array): Buffer[] {
  if (bytes.length % 32 !== 0) throw new RemoteError('an id list must be a multiple of 32 bytes long');
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Buffer[] = [];
  for (let i = 0; i < whole.length; i += 32) out.push(whole.subarray(i, i + 32));
  return out;
}

/** A history question: how many tips, the tips, then the ids to stop at (all raw). */
export function encodeHistoryRequest(tips: Oid[], stop: Oid[]): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(tips.length);
  return Buffer.concat([count, encodeIds(tips), encodeIds(stop)]);
}

export function decodeHistoryRequest(bytes: Uint8Array): { tips: Oid[]; stop: Oid[] } {
  if (bytes.length < 4) throw new RemoteError('a history request is too short');
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = whole.readUInt32BE(0);
  const ids = decodeIds(whole.subarray(4));
  if (n > ids.length) throw new RemoteError(`a history request names ${n} tips but holds ${ids.length} ids`);
  return { tips: ids.slice(0, n), stop: ids.slice(n) };
}

/** A history answer: per commit, its raw id, a u16 parent count and the parents' raw ids. */
export function encodeHistory(history: Map<Oid, Oid[]>): Buffer {
  let size = 0;
  for (const parents of history.values()) size += 34 + parents.length * 32;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const [id, parents] of history) {
    if (parents.length > 0xffff) throw new RemoteError(`commit ${id} has more parents than the protocol carries`);
    oidToBytes(id).copy(out, at);
    out.writeUInt16BE(parents.length, at + 32);
    at += 34;
    for (const p of parents) { oidToBytes(p).copy(out, at); at += 32; }
  }
  return out;
}

export function decodeHistory(bytes: Uint8Array): Map<Oid, Oid[]> {
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<Oid, Oid[]>();
  let at = 0;
  while (at < whole.length) {
    if (at + 34 > whole.length) throw new RemoteError('the history answer was cut off');
    const id = oidFromBytes(whole.subarray(at, at + 32));
    const n = whole.readUInt16BE(at + 32);
    at += 34;
    if (at + n * 32 > whole.length) throw new RemoteError(`the history answer was cut off in commit ${id}`);
    const parents: Oid[] = [];
    for (let i = 0; i < n; i++, at += 32) parents.push(oidFromBytes(whole.subarray(at, at + 32)));
    out.set(id, parents);
  }
  return out;
}
