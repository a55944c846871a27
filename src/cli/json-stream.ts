import fs from 'node:fs';

/**
 * Writes one JSON document to stdout piece by piece, for results too large to build in
 * memory (a row diff of a big file). Buffered; call end() once.
 */
export class JsonStream {
  private parts: string[] = [];
  private size = 0;

  /** Appends raw JSON text. */
  raw(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size > 1 << 16) this.flush();
  }

  /** Appends a value as JSON. */
  value(v: unknown): void {
    this.raw(JSON.stringify(v));
  }

  end(): void {
    this.raw('\n');
    this.flush();
  }

  private flush(): void {
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    let buf = Buffer.from(text);
    while (buf.length > 0) {
      try {
        const n = fs.writeSync(1, buf);
        buf = buf.subarray(n);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
    }
  }
}
