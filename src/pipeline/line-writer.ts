import fs from 'node:fs';
import { writeFully } from '../util/index.js';

const NEWLINE = Buffer.from('\n');

/** Writes bytes to a file through a 1 MiB buffer (each piece is copied before the call returns). */
export class LineWriter {
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  /** Appends `bytes[start, end)` as they are. */
  append(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const len = end - start;
    if (this.used + len > this.buf.length) this.flush();
    if (len > this.buf.length) {
      this.writeAll(bytes.subarray(start, end));
      return;
    }
    this.buf.set(bytes.subarray(start, end), this.used);
    this.used += len;
  }

  /** Appends a line: its bytes, then a line break. */
  line(bytes: Uint8Array | string): void {
    this.append(typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
    this.append(NEWLINE);
  }

  close(): void {
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
    }
  }

  private flush(): void {
    this.writeAll(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  private writeAll(b: Uint8Array): void {
    writeFully(this.fd, b);
  }
}
