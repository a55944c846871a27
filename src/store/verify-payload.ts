import { CorruptObjectError } from '../errors/index.js';
import { createHasher, hashBytesRaw, oidFromBytes, type Oid } from '../hash/index.js';
import { decodeObject, type DecodedObject, type FileObject } from '../objects/index.js';
import { decodePayload, ENCODING_DELTA, ENCODING_RAW, ENCODING_ZSTD, type EncodedPayload } from './record.js';

/** Checks that decoded bytes hash to their object's id (a file object's id is its content's, checked where streamed). */
export function verifyObjectBytes(id: Oid, bytes: Uint8Array): void {
  const actual = oidFromBytes(hashBytesRaw(bytes));
  if (actual !== id) throw new CorruptObjectError(`object ${id} is corrupt: its bytes hash to ${actual}`, { data: { id, actual } });
}

/**
 * Decodes a payload (stored here, or received from elsewhere) and checks it against its
 * id: blobs and structured objects are re-hashed, a structured object must decode as
 * its kind, and a file object's chunk sizes must add up (its content hash needs the
 * chunks: see verifyFileContent). `readBase` returns the verified bytes of a delta's base
 * blob. Only the three stored encodings are accepted, and deltas only for blobs, so a
 * payload that passes can be stored verbatim. Throws CorruptObjectError otherwise.
 */
export function verifyPayload(id: Oid, stored: EncodedPayload, readBase: (base: Oid, of: Oid) => Uint8Array): DecodedObject {
  const { kind, encoding } = stored;
  checkEncoding(id, kind, encoding);
  const bytes = decodePayload(encoding, stored.payload, id, (base) => readBase(oidFromBytes(base), id));
  if (kind !== 'file') verifyObjectBytes(id, bytes);
  let obj: DecodedObject;
  try {
    obj = decodeObject(kind, bytes);
  } catch (err) {
    throw new CorruptObjectError(`object ${id} is corrupt: ${(err as Error).message}`, { data: { id }, cause: err });
  }
  if (obj.kind === 'file') {
    const total = obj.file.chunks.reduce((s, c) => s + c.size, 0);
    if (total !== obj.file.size) throw new CorruptObjectError(`object ${id} is corrupt: chunk sizes do not add up`, { data: { id } });
  }
  return obj;
}

/** Refuses any encoding but the three stored ones, and deltas of anything but blobs. */
export function checkEncoding(id: Oid, kind: EncodedPayload['kind'], encoding: number): void {
  if (encoding !== ENCODING_RAW && encoding !== ENCODING_ZSTD && !(encoding === ENCODING_DELTA && kind === 'blob')) {
    throw new CorruptObjectError(`object ${id} has an invalid encoding ${encoding} for a ${kind}`, { data: { id, encoding } });
  }
}

/**
 * Checks that a file object's chunks, in order, are its content: each chunk has its
 * listed size and the whole hashes to `id`. `readChunk` returns a chunk's verified bytes.
 */
export function verifyFileContent(id: Oid, file: FileObject, readChunk: (chunk: Oid) => Uint8Array): void {
  const whole = createHasher();
  for (const c of file.chunks) {
    const bytes = readChunk(c.id);
    if (bytes.length !== c.size) throw new CorruptObjectError(`object ${c.id} has the wrong size for file ${id}`, { data: { id: c.id, file: id } });
    whole.update(bytes);
  }
  const actual = whole.digest();
  if (actual !== id) throw new CorruptObjectError(`object ${id} is corrupt: its content hashes to ${actual}`, { data: { id, actual } });
}
