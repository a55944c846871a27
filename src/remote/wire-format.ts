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

/** Writes one frame header into a new buffer (the payload follows it on the wire). */
export function frameHeader(o: WireObject): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER);
  oidToBytes(o.id).copy(h, 0);
  h[32] = KIND_CODES[o.kind];
  h[33] = o.encoding;
  h.writeUInt32BE(o.payload.length, 34);
  return h;
}

const WAITING = Symbol('waiting');

/**
 * Groups frames into buffers of about `target` bytes (few, large writes). What is grouped
 * goes out as soon as the source pauses, so a source that stalls or fails has still
 * delivered everything it produced before.
 */
export async function* encodeFrames(objects: AsyncIterable<WireObject>, target = 1024 * 1024): AsyncGenerator<Buffer> {
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

/** Parses frames from a byte stream; a malformed or truncated stream is a RemoteError. */
export async function* decodeFrames(stream: AsyncIterable<Uint8Array>, opts: { maxPayload?: number } = {}): AsyncGenerator<WireObject> {
  const maxPayload = opts.maxPayload ?? MAX_FRAME_PAYLOAD;
  let buf: Buffer = Buffer.alloc(0);
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const take = (): void => {
    if (pending.length === 0) return;
    buf = buf.length === 0 && pending.length === 1 ? pending[0]! : Buffer.concat([buf, ...pending], buf.length + pendingLen);
    pending = [];
    pendingLen = 0;
  };
  let need = FRAME_HEADER;
  for await (const chunk of stream) {
    pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    pendingLen += chunk.byteLength;
    if (buf.length + pendingLen < need) continue;
    take();
    let off = 0;
    for (;;) {
      if (buf.length - off < FRAME_HEADER) { need = FRAME_HEADER; break; }
      const len = buf.readUInt32BE(off + 34);
      if (len > maxPayload) throw new RemoteError(`an object of ${len} bytes exceeds the limit of ${maxPayload}`, { data: { limit: maxPayload } });
      if (buf.length - off < FRAME_HEADER + len) { need = FRAME_HEADER + len; break; }
      const kind = KIND_BY_CODE.get(buf[off + 32]!);
      const id = oidFromBytes(buf.subarray(off, off + 32));
      if (!kind) throw new RemoteError(`object ${id} arrived with an unknown kind code ${buf[off + 32]}`);
      // Copy the payload out: it outlives this buffer in caches and write batches.
      const payload = Buffer.from(buf.subarray(off + FRAME_HEADER, off + FRAME_HEADER + len));
      yield { id, kind, encoding: buf[off + 33]!, payload };
      off += FRAME_HEADER + len;
    }
    buf = buf.subarray(off);
  }
  take();
  if (buf.length > 0) throw new RemoteError(`the object stream was cut off (${buf.length} stray bytes at its end)`);
}

/** Concatenated raw ids. */
export function encodeIds(ids: Oid[]): Buffer {
  const out = Buffer.allocUnsafe(ids.length * 32);
  ids.forEach((id, i) => oidToBytes(id).copy(out, i * 32));
  return out;
}

/** Parses concatenated raw ids. */
export function decodeIds(bytes: Uint8Array): Oid[] {
  if (bytes.length % 32 !== 0) throw new RemoteError('an id list must be a multiple of 32 bytes long');
  const out: Oid[] = [];
  for (let i = 0; i < bytes.length; i += 32) out.push(oidFromBytes(bytes.subarray(i, i + 32)));
  return out;
}
