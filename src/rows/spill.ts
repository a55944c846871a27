import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const FLUSH_BYTES = 256 * 1024;

/**
 * Rows partitioned by a hash of their key into temporary files, so a diff whose unmatched
 * rows outgrow memory can finish one partition at a time. Records: u32 line, u32 length,
 * the row's UTF-8 bytes. The directory is removed by close().
 */
export class RowSpill {
  readonly dir: string;
  private readonly files: string[][];
  private readonly buffers: Buffer[][][];
  private readonly sizes: number[][];

  constructor(readonly partitions: number, tmpRoot = os.tmpdir()) {
    this.dir = fs.mkdtempSync(path.join(tmpRoot, 'dv-rows-'));
    this.files = [0, 1].map((side) => Array.from({ length: partitions }, (_, p) => path.join(this.dir, `${side}-${p}`)));
    this.buffers = [0, 1].map(() => Array.from({ length: partitions }, () => []));
    this.sizes = [0, 1].map(() => new Array<number>(partitions).fill(0));
    for (const side of this.files) for (const f of side) fs.writeFileSync(f, '');
  }

  /** Which partition a key goes to (FNV-1a over its UTF-16 units). */
  partitionOf(key: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return (h >>> 0) % this.partitions;
  }

  /** Appends one row of side 0 (old) or 1 (new) to its key's partition. */
  write(side: 0 | 1, key: string, line: number, text: string): void {
    const p = this.partitionOf(key);
    const body = Buffer.from(text, 'utf8');
    const head = Buffer.allocUnsafe(8);
    head.writeUInt32LE(line, 0);
    head.writeUInt32LE(body.length, 4);
    const bufs = this.buffers[side]![p]!;
    bufs.push(head, body);
    this.sizes[side]![p]! += 8 + body.length;
    if (this.sizes[side]![p]! >= FLUSH_BYTES) this.flush(side, p);
  }

  /** Writes every buffered record out. */
  flushAll(): void {
    for (const side of [0, 1] as const) for (let p = 0; p < this.partitions; p++) this.flush(side, p);
  }

  /** The rows of one partition of one side, in the order written. */
  *read(side: 0 | 1, p: number): Generator<{ line: number; text: string }> {
    const fd = fs.openSync(this.files[side]![p]!, 'r');
    try {
      let carry = Buffer.alloc(0);
      const block = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const n = fs.readSync(fd, block, 0, block.length, null);
        let data = n > 0 ? Buffer.concat([carry, block.subarray(0, n)]) : carry;
        let i = 0;
        while (data.length - i >= 8) {
          const len = data.readUInt32LE(i + 4);
          if (data.length - i - 8 < len) break;
          yield { line: data.readUInt32LE(i), text: data.toString('utf8', i + 8, i + 8 + len) };
          i += 8 + len;
        }
        carry = Buffer.from(data.subarray(i));
        if (n === 0) return;
        data = carry;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Removes the temporary files. */
  close(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private flush(side: 0 | 1, p: number): void {
    const bufs = this.buffers[side]![p]!;
    if (bufs.length === 0) return;
    fs.appendFileSync(this.files[side]![p]!, Buffer.concat(bufs));
    this.buffers[side]![p] = [];
    this.sizes[side]![p] = 0;
  }
}
