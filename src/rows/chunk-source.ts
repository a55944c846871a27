import fs from 'node:fs';

/** Content to read rows from: a fresh iterator of byte pieces per call, and its total size. */
export interface ChunkSource {
  /** What to call it in messages (`HEAD:data/a.csv`, `data/a.csv`). */
  label: string;
  size: number;
  open(): Iterator<Uint8Array>;
  /** A file on disk holding exactly this content, for readers that read it directly. */
  file?: string;
}

const BLOCK = 1 << 20;

/** A file on disk read in 1 MiB blocks (no whole-file buffer). */
export function fileChunkSource(abs: string, label: string): ChunkSource {
  return {
    label,
    size: fs.statSync(abs).size,
    open: () => readFileBlocks(abs),
    file: abs,
  };
}

/** Reads a file block by block; each block is a fresh buffer the reader may keep. */
export function* readFileBlocks(abs: string, block = BLOCK): Generator<Uint8Array> {
  const fd = fs.openSync(abs, 'r');
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(block);
      const n = fs.readSync(fd, buf, 0, block, null);
      if (n === 0) return;
      yield n === block ? buf : buf.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a file block by block into two buffers in turn: a block stays valid while the
 * next one is read, and is overwritten by the one after (enough for a RecordCursor, which
 * copies what it keeps; no fresh memory per block).
 */
export function* readFileAlternating(abs: string, block = BLOCK): Generator<Uint8Array> {
  const fd = fs.openSync(abs, 'r');
  try {
    const bufs = [Buffer.allocUnsafe(block), Buffer.allocUnsafe(block)];
    for (let k = 0; ; k ^= 1) {
      const buf = bufs[k]!;
      const n = fs.readSync(fd, buf, 0, block, null);
      if (n === 0) return;
      yield n === block ? buf : buf.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}
