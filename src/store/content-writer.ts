import fs from 'node:fs';
import { Chunker, DEFAULT_CHUNK_PARAMS } from '../chunker/index.js';
import { InvalidInputError } from '../errors/index.js';
import { createHasher, hashBytesRaw, oidFromBytes, type Oid } from '../hash/index.js';
import type { ChunkRef } from '../objects/index.js';
import type { ObjectStore, WriteBatch } from './object-store.js';

const READ_SIZE = 4 * 1024 * 1024;

/** What storing one file's content produced. */
export interface StoredContent {
  id: Oid;
  size: number;
  /** Chunks not already in the store. */
  newChunks: number;
}

/**
 * Streams content into the batch: chunk, hash each chunk and the whole, compress, write.
 * Memory stays bounded by the read buffer, one chunk and the batch size.
 */
export class ContentWriter {
  private readonly chunker = new Chunker(DEFAULT_CHUNK_PARAMS);
  private readonly whole = createHasher();
  private readonly chunks: ChunkRef[] = [];
  private size = 0;
  private newChunks = 0;
  private readonly bases: DeltaBases | undefined;

  /** `previous`: the content this replaces (same path, earlier version), used as delta bases. */
  constructor(private readonly batch: WriteBatch, previous?: { objects: ObjectStore; id: Oid }) {
    this.bases = previous ? new DeltaBases(previous.objects, previous.id) : undefined;
  }

  write(data: Uint8Array): void {
    this.whole.update(data);
    this.size += data.length;
    for (const c of this.chunker.push(data)) this.storeChunk(c);
  }

  finish(): StoredContent {
    for (const c of this.chunker.finish()) this.storeChunk(c);
    const id = this.whole.digest();
    if (this.chunks.length === 0) {
      // The empty file is one empty blob.
      this.storeChunk(new Uint8Array(0));
    } else if (this.chunks.length > 1) {
      this.batch.putFile(id, { size: this.size, chunks: this.chunks });
    }
    return { id, size: this.size, newChunks: this.newChunks };
  }

  private storeChunk(c: Uint8Array): void {
    const raw = hashBytesRaw(c);
    const fp = chunkFingerprint(c);
    if (this.batch.putBlob(raw, c, this.bases?.candidatesFor(fp))) this.newChunks++;
    this.chunks.push({ id: oidFromBytes(raw), size: c.length, fp });
  }
}

/** Bytes a chunk fingerprint covers. */
const FINGERPRINT_BYTES = 64;

/**
 * Fingerprint of a chunk's first 64 bytes: two 32-bit FNV-1a hashes (offset bases
 * 0x811c9dc5 and 0x01000193), big-endian, as 16 hex characters. Chunk starts are
 * content-defined, so an edited chunk usually starts like the chunk it replaces.
 */
export function chunkFingerprint(c: Uint8Array): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  const n = Math.min(c.length, FINGERPRINT_BYTES);
  for (let i = 0; i < n; i++) {
    a = Math.imul(a ^ c[i]!, 0x01000193);
    b = Math.imul(b ^ c[i]!, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/**
 * Picks delta bases from the previous version of a file: the old chunk with the same
 * fingerprint; when there is none (an edit touched the chunk's start, or moved its cut),
 * the old chunks just before, at and after the expected position, to keep the best.
 */
class DeltaBases {
  private readonly chunks: ChunkRef[];
  private readonly byFp = new Map<string, number>();
  private last = -1;

  constructor(objects: ObjectStore, previous: Oid) {
    // A previous version that cannot be read (absent after a partial clone) just means no deltas.
    const obj = objects.has(previous) ? objects.read(previous) : undefined;
    this.chunks = obj?.kind === 'file' ? obj.file.chunks : obj?.kind === 'blob' ? [{ id: previous, size: obj.data.length }] : [];
    this.chunks.forEach((c, i) => { if (c.fp && !this.byFp.has(c.fp)) this.byFp.set(c.fp, i); });
  }

  /** Ids of candidate bases for the next chunk; keeps track of the position. */
  candidatesFor(fp: string): Oid[] {
    if (this.chunks.length === 0) return [];
    const matched = this.byFp.get(fp);
    const expected = Math.min(this.last + 1, this.chunks.length - 1);
    this.last = matched ?? expected;
    const picks = matched !== undefined ? [matched] : [expected - 1, expected, expected + 1];
    return picks.filter((i) => i >= 0 && i < this.chunks.length).map((i) => this.chunks[i]!.id);
  }
}

/** Stores bytes held in memory. */
export function storeBytes(batch: WriteBatch, bytes: Uint8Array): StoredContent {
  const w = new ContentWriter(batch);
  w.write(bytes);
  return w.finish();
}

/**
 * Stores a file from disk. `onBytes` reports progress. A file that vanishes or cannot be
 * read gets an InvalidInputError naming it. Async only to let the batch's encode workers
 * catch up: the file is read synchronously in between.
 */
export async function storeFile(
  batch: WriteBatch, absPath: string, displayPath: string, onBytes?: (n: number) => void,
  previous?: { objects: ObjectStore; id: Oid },
): Promise<StoredContent> {
  let fd: number;
  try {
    fd = fs.openSync(absPath, 'r');
  } catch (err) {
    throw fileError(err, displayPath);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < DEFAULT_CHUNK_PARAMS.min) {
      const stored = storeSmallFile(batch, fd, size, displayPath, onBytes, previous);
      if (batch.backlogged) await batch.relieve();
      return stored;
    }
    const w = new ContentWriter(batch, previous);
    // Sized to the file, so 50,000 small files do not each allocate a large buffer. Every
    // chunk handed on is consumed (hashed, copied or written) before the next read reuses it.
    const buf = Buffer.allocUnsafe(Math.min(READ_SIZE, size + 1));
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        throw fileError(err, displayPath);
      }
      if (n === 0) break;
      w.write(buf.subarray(0, n));
      onBytes?.(n);
      if (batch.backlogged) await batch.relieve();
    }
    return w.finish();
  } finally {
    fs.closeSync(fd);
  }
}

let smallBuffer: Buffer | undefined;

/**
 * A file smaller than the minimum chunk is one blob: read it whole and hash it once
 * (no streaming hasher, no chunker), which is most of the cost for many small files.
 */
function storeSmallFile(
  batch: WriteBatch, fd: number, size: number, displayPath: string, onBytes?: (n: number) => void,
  previous?: { objects: ObjectStore; id: Oid },
): StoredContent {
  // One buffer serves every small file: putBlob copies or writes the bytes before returning.
  smallBuffer ??= Buffer.allocUnsafe(DEFAULT_CHUNK_PARAMS.min + 1);
  const buf = smallBuffer.subarray(0, size + 1);
  let n = 0;
  for (;;) {
    let r: number;
    try {
      r = fs.readSync(fd, buf, n, buf.length - n, null);
    } catch (err) {
      throw fileError(err, displayPath);
    }
    if (r === 0) break;
    n += r;
    if (n === buf.length) {
      // The file grew while being read: fall back to the streaming path from the start.
      throw new InvalidInputError(`file changed while being added: ${displayPath}`, { hint: 'add it again once it stops changing' });
    }
  }
  onBytes?.(n);
  const bytes = buf.subarray(0, n);
  const raw = hashBytesRaw(bytes);
  // The previous version, when it was one blob too, is the natural delta base.
  const bases = previous && previous.objects.kindOf(previous.id) === 'blob' ? [previous.id] : undefined;
  const isNew = batch.putBlob(raw, bytes, bases);
  return { id: oidFromBytes(raw), size: n, newChunks: isNew ? 1 : 0 };
}

function fileError(err: unknown, displayPath: string): InvalidInputError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InvalidInputError(`file vanished while being added: ${displayPath}`, { data: { path: displayPath }, cause: err });
  return new InvalidInputError(`cannot read ${displayPath}: ${(err as Error).message}`, { data: { path: displayPath }, cause: err });
}
