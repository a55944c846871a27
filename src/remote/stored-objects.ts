import { RemoteError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import type { ObjectStore } from '../store/index.js';
import type { TransferEvents, WireObject } from './transport.js';
import { FRAME_HEADER, writeFrameHeader, type Frameable, type FrameBufferSource } from './wire-format.js';

/**
 * Objects as stored here, to send. Transports that take objects one by one (a path, S3)
 * iterate them; a wire encoder calls `frames`, which reads each payload from its pack
 * straight into the frame buffer: no buffer per object and no second copy, which a
 * push or clone of 512 MB paid in allocation, copying and collection on both ends.
 */
export class StoredObjects implements AsyncIterable<WireObject>, Frameable {
  /** Payload bytes handed out so far. */
  bytes = 0;

  constructor(private readonly objects: ObjectStore, readonly ids: readonly Oid[], private readonly events: TransferEvents = {}) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<WireObject> {
    for (const id of this.ids) {
      const p = this.objects.readPayload(id);
      if (!p) throw notHeld(id);
      this.bytes += p.payload.length;
      this.events.moved?.(p.payload.length);
      yield { id, kind: p.kind, encoding: p.encoding, payload: p.payload };
    }
  }

  *frames(target: number, buffers: FrameBufferSource = { take: (min = target) => Buffer.allocUnsafe(Math.max(target, min)) }): Generator<Buffer> {
    let buf = buffers.take();
    let pos = 0;
    for (const id of this.ids) {
      const p = this.objects.locatePayload(id);
      if (!p) throw notHeld(id);
      const size = FRAME_HEADER + p.length;
      if (pos + size > buf.length) {
        if (pos > 0) yield buf.subarray(0, pos);
        // Another buffer each time: the one handed out may still be queued on a socket.
        buf = buffers.take(size);
        pos = 0;
      }
      writeFrameHeader(buf, pos, id, p.kind, p.encoding, p.length);
      this.objects.copyPayload(id, p, buf, pos + FRAME_HEADER);
      pos += size;
      this.bytes += p.length;
      this.events.moved?.(p.length);
    }
    if (pos > 0) yield buf.subarray(0, pos);
  }
}

function notHeld(id: Oid): RemoteError {
  return new RemoteError(`the remote does not have object ${id}`, { data: { id } });
}
