import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import type { RepoPath } from '../util/index.js';
import { readPathContent } from '../worktree/index.js';
import type { RunContext } from './run-context.js';

const BLOCK = 1 << 20;

/** The content of an earlier run's output, to read once. */
export interface PreviousOutput {
  pieces(): Iterator<Uint8Array>;
  close(): void;
}

/**
 * Opens the content `id` that an earlier run wrote to `out`, for a merge: the working-tree
 * file when the index proves it still holds that content (a plain read, no decoding;
 * opened now, so it stays readable after the run sets the file aside), else the store.
 * A working-tree file that changes while it is read is refused.
 */
export function openPreviousOutput(ctx: RunContext, out: RepoPath, id: Oid): PreviousOutput {
  const abs = path.join(ctx.root, out);
  let fd = -1;
  try {
    fd = fs.openSync(abs, 'r');
    const opened = fs.fstatSync(fd);
    const now = readPathContent(ctx.repo, out);
    const st = fs.statSync(abs);
    if (now?.id === id && now.kind !== 'tree' && st.ino === opened.ino && st.dev === opened.dev && sameStat(st, opened)) {
      const file = fd;
      return {
        pieces: () => readChecked(file, opened, out),
        close: () => fs.closeSync(file),
      };
    }
  } catch {
    // Missing or unreadable: the store has it.
  }
  if (fd >= 0) fs.closeSync(fd);
  return { pieces: () => ctx.repo.objects.readContentSync(id), close: () => {} };
}

function sameStat(a: fs.Stats, b: fs.Stats): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** Reads an open file from its start in fresh blocks, then checks it did not change meanwhile. */
function* readChecked(fd: number, opened: fs.Stats, out: string): Generator<Uint8Array> {
  let position = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(BLOCK);
    const n = fs.readSync(fd, buf, 0, BLOCK, position);
    if (n === 0) break;
    position += n;
    yield n === BLOCK ? buf : buf.subarray(0, n);
  }
  // Not ctime: setting the file aside (a rename) changes it.
  const st = fs.fstatSync(fd);
  if (position !== opened.size || st.size !== opened.size || st.mtimeMs !== opened.mtimeMs) {
    throw new InvalidInputError(`${out} changed while dv read it as the previous output`);
  }
}
