import fs from 'node:fs';
import { CorruptObjectError } from '../errors/index.js';
import { hashPiece, type Oid } from '../hash/index.js';
import { writeFully } from '../util/index.js';
import { decodePayloadInto, ENCODING_DELTA } from './record.js';
import type { ChunkUse, VerifiedBlob } from './store-pool.js';
import { checkEncoding, verifyObjectBytes, verifyPayload } from './verify-payload.js';

/** A received blob payload to check against its id (see StorePool.verify). */
export interface BlobCheck {
  id: Oid;
  encoding: number;
  payload: Uint8Array;
  uses?: ChunkUse[];
  size?: number;
  keep?: boolean;
}

/** Deltas never come here: they are verified where their bases are held. */
function deltaHere(id: Oid): CorruptObjectError {
  return new CorruptObjectError(`object ${id} is a delta, which is verified where its base is held`, { data: { id } });
}

/** Where chunks of files are decoded (reused: their bytes go to the files, not back). */
let scratch = Buffer.alloc(0);

/**
 * Checks one received blob, wherever it runs (a store worker, or the main thread when the
 * native verifier leaves one to it). A blob with uses is a chunk of files being received:
 * decoded into a reused buffer, checked against its id and the size they list, then per
 * use hashed as a piece of its file and written into it (a failed write is reported, not
 * thrown: the file is then checked out from the store instead); its bytes come back only
 * with `keep`. Any other blob comes back with its bytes. `open` keeps file descriptors
 * for the caller to close. Throws CorruptObjectError when the blob is not what its id says.
 */
export function checkReceivedBlob(job: BlobCheck, open: Map<string, number>): Omit<VerifiedBlob, 'payload'> {
  checkEncoding(job.id, 'blob', job.encoding);
  if (job.encoding === ENCODING_DELTA) throw deltaHere(job.id);
  if (!job.uses?.length) {
    const obj = verifyPayload(job.id, { kind: 'blob', encoding: job.encoding, payload: job.payload }, () => { throw deltaHere(job.id); });
    return { bytes: (obj as { data: Uint8Array }).data };
  }
  const size = job.size!;
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, 1024 * 1024));
  const bytes = scratch.subarray(0, size);
  if (decodePayloadInto(job.encoding, job.payload, job.id, bytes) !== size) {
    throw new CorruptObjectError(`object ${job.id} has the wrong size for the file that lists it`, { data: { id: job.id } });
  }
  verifyObjectBytes(job.id, bytes);
  const unwritten = job.uses.map((u) => {
    if (!u.path) return false;
    try {
      let fd = open.get(u.path);
      if (fd === undefined) open.set(u.path, fd = fs.openSync(u.path, 'r+'));
      writeFully(fd, bytes, u.offset);
      return false;
    } catch {
      return true;
    }
  });
  const pieces = job.uses.map((u) => hashPiece(bytes, u.offset, u.contentSize));
  return { bytes: job.keep ? new Uint8Array(bytes) : undefined, pieces, unwritten };
}

/** Closes the descriptors checkReceivedBlob opened. */
export function closeAll(open: Map<string, number>): void {
  for (const fd of open.values()) fs.closeSync(fd);
  open.clear();
}
