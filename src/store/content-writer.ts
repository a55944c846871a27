import fs from 'node:fs';
import { Chunker, DEFAULT_CHUNK_PARAMS } from '../chunker/index.js';
import { InvalidInputError } from '../errors/index.js';
import { createHasher, hashBytesRaw, oidFromBytes, type Oid } from '../hash/index.js';
import type { ChunkRef } from '../objects/index.js';
import type { WriteBatch } from './object-store.js';

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

  constructor(private readonly batch: WriteBatch) {}

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
    if (this.batch.putBlob(raw, c)) this.newChunks++;
    this.chunks.push({ id: oidFromBytes(raw), size: c.length });
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
 * read gets an InvalidInputError naming it.
 */
export function storeFile(batch: WriteBatch, absPath: string, displayPath: string, onBytes?: (n: number) => void): StoredContent {
  let fd: number;
  try {
    fd = fs.openSync(absPath, 'r');
  } catch (err) {
    throw fileError(err, displayPath);
  }
  try {
    const w = new ContentWriter(batch);
    // Each read buffer is fresh: chunks handed on are views into it, consumed before the next read.
    for (;;) {
      const buf = Buffer.allocUnsafe(READ_SIZE);
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, READ_SIZE, null);
      } catch (err) {
        throw fileError(err, displayPath);
      }
      if (n === 0) break;
      w.write(buf.subarray(0, n));
      onBytes?.(n);
    }
    return w.finish();
  } finally {
    fs.closeSync(fd);
  }
}

function fileError(err: unknown, displayPath: string): InvalidInputError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InvalidInputError(`file vanished while being added: ${displayPath}`, { data: { path: displayPath }, cause: err });
  return new InvalidInputError(`cannot read ${displayPath}: ${(err as Error).message}`, { data: { path: displayPath }, cause: err });
}
