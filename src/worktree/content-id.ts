import fs from 'node:fs';
import { createHasher, hashBytes, type Oid } from '../hash/index.js';
import { InvalidInputError } from '../errors/index.js';
import type { FileStat } from './scan.js';

const READ_SIZE = 1024 * 1024;

/** The id a working-tree file would get, computed without storing anything. */
export function hashWorktreeFile(abs: string, kind: FileStat['kind'], display: string): Oid {
  try {
    if (kind === 'symlink') return hashBytes(Buffer.from(fs.readlinkSync(abs)));
    const fd = fs.openSync(abs, 'r');
    try {
      const h = createHasher();
      const buf = Buffer.allocUnsafe(READ_SIZE);
      for (;;) {
        const n = fs.readSync(fd, buf, 0, READ_SIZE, null);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
      }
      return h.digest();
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InvalidInputError(`file vanished while being read: ${display}`, { cause: err });
    throw err;
  }
}
