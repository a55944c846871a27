import fs from 'node:fs';
import path from 'node:path';
import { createHasher, type Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import { readFileAlternating } from '../rows/index.js';
import { makeScratchDir } from './outputs.js';

/**
 * Plain copies of the inputs of row-wise map stages, under `.dv/cache/map-inputs/<id>`:
 * the next delta diffs the current input against the copy of the previous one instead of
 * decoding it from the object store (a memcmp-speed read instead of decompression). The
 * store stays the source of truth: a copy is read only when its size is right, is hashed
 * as it is read, and a copy whose bytes do not hash to its name is thrown away (the
 * caller then reads the store). Each map stage (each partition) keeps the copy of its
 * latest run's input; the directory can be deleted at any time. Next to a copy,
 * `<id>.rows.json` notes the outputs known to hold one row per row of it (output id →
 * key and row count), which lets a merge take previous rows by position.
 */
export const INPUT_COPIES_DIR = path.join('cache', 'map-inputs');

/** Thrown at the end of reading a copy whose bytes are not the content it is named after. */
export class StaleInputCopy extends Error {}

/** The previous input's content from its copy, if there is one of the right size (else null: read the store). */
export function readInputCopy(repo: Repository, id: Oid): Iterator<Uint8Array> | null {
  const file = copyFile(repo, id);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return null;
  }
  if (size !== repo.objects.contentSize(id)) return null;
  return verified(file, id);
}

function* verified(file: string, id: Oid): Generator<Uint8Array> {
  const h = createHasher();
  for (const piece of readFileAlternating(file)) {
    h.update(piece);
    yield piece;
  }
  if (h.digest() !== id) {
    fs.rmSync(file, { force: true });
    throw new StaleInputCopy(`the copy of ${id} is not that content`);
  }
}

/** A copy being made of an input file; kept or thrown away once the run it belongs to ended. */
export interface PendingCopy {
  /** The run succeeded: the copy takes its name, and the copy of the input it replaces goes (with what was noted of it). */
  keep(): Promise<void>;
  /** The run did not succeed: the copy goes (the replaced input's copy too, when it was written over). */
  discard(): Promise<void>;
}

/**
 * Starts copying the input file `abs` (content `id`, per the index) for the next delta,
 * in the background so it overlaps the command. The copy of `replaced` (the input the
 * unit's previous run read, no longer needed once diffed) is written over in place:
 * its pages are in memory already, where a new file's must be found (on a VM, faulted
 * in: about four times the system time). Otherwise a clone where the file system can,
 * else a kernel copy. A failed copy only means the next delta reads the store.
 */
export function startInputCopy(repo: Repository, abs: string, id: Oid, replaced?: Oid): PendingCopy {
  const copy = new ScratchCopy(repo, id, replaced);
  const tmp = copy.tmp;
  if (!tmp) return copy;
  if (replaced && replaced !== id) {
    try {
      fs.renameSync(copyFile(repo, replaced), tmp);
      copy.reused = true;
    } catch {
      // No copy of the previous input: a new file.
    }
  }
  const made = (copy.reused ? overwrite(abs, tmp) : fs.promises.copyFile(abs, tmp, fs.constants.COPYFILE_FICLONE)).then(() => true, () => false);
  copy.made = () => made;
  return copy;
}

/** Writes the content of `from` over the file `to` in place, then cuts `to` to its size. */
async function overwrite(from: string, to: string): Promise<void> {
  const src = await fs.promises.open(from, 'r');
  const dst = await fs.promises.open(to, 'r+');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let position = 0;
    for (;;) {
      const { bytesRead } = await src.read(buf, 0, buf.length, position);
      if (bytesRead === 0) break;
      await dst.write(buf, 0, bytesRead, position);
      position += bytesRead;
    }
    await dst.truncate(position);
  } finally {
    await src.close();
    await dst.close();
  }
}

/** A copy made in a scratch directory (removed if dv dies) and renamed into place when kept. */
class ScratchCopy implements PendingCopy {
  /** Where the copy is written; null when a copy of `id` is in place already. */
  readonly tmp: string | null = null;
  /** Resolves to true once the copy at `tmp` is whole. */
  made: () => Promise<boolean> = async () => false;
  /** True when `tmp` was the replaced input's copy, written over. */
  reused = false;
  private readonly scratch: string | null = null;

  constructor(private readonly repo: Repository, private readonly id: Oid, private readonly replaced?: Oid) {
    if (fs.existsSync(copyFile(repo, id))) return;
    this.scratch = makeScratchDir(repo, 'copy');
    this.tmp = path.join(this.scratch, id);
  }

  async keep(): Promise<void> {
    try {
      if (this.tmp && (await this.made())) {
        fs.mkdirSync(path.join(this.repo.dvDir, INPUT_COPIES_DIR), { recursive: true });
        fs.renameSync(this.tmp, copyFile(this.repo, this.id));
      }
      if (this.replaced && this.replaced !== this.id) dropInputCopies(this.repo, [this.replaced]);
    } catch {
      // Only a cache: the next delta reads the store.
    } finally {
      this.cleanUp();
    }
  }

  async discard(): Promise<void> {
    await this.made();
    // A copy written over is neither input's any more: what was noted of the replaced one goes too.
    if (this.reused && this.replaced) dropInputCopies(this.repo, [this.replaced]);
    this.cleanUp();
  }

  private cleanUp(): void {
    if (this.scratch) fs.rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** Removes the copies of these inputs, and what is known of their outputs. */
export function dropInputCopies(repo: Repository, ids: Oid[]): void {
  for (const id of ids) {
    fs.rmSync(copyFile(repo, id), { force: true });
    fs.rmSync(factsFile(repo, id), { force: true });
  }
}

/** Per output id: the key and row count of an output that has one row for each row of the input. */
type RowFacts = Record<string, { key: string; rows: number }>;

/**
 * The number of rows of input `input` when output `output` is known to hold exactly one
 * row for each of them, in the same order and with the same `key` (so a merge can take
 * the previous output's rows by position); undefined when that is not known.
 */
export function oneRowEach(repo: Repository, input: Oid, output: Oid, key: string): number | undefined {
  const fact = readFacts(repo, input)[output];
  return fact && fact.key === key ? fact.rows : undefined;
}

/** Notes that output `output` holds exactly one row for each of the `rows` rows of `input`, in order, with their `key`. */
export function rememberOneRowEach(repo: Repository, input: Oid, output: Oid, key: string, rows: number): void {
  try {
    const facts = readFacts(repo, input);
    facts[output] = { key, rows };
    fs.mkdirSync(path.dirname(factsFile(repo, input)), { recursive: true });
    const tmp = `${factsFile(repo, input)}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(facts));
    fs.renameSync(tmp, factsFile(repo, input));
  } catch {
    // Only a cache: the next merge walks the rows by key.
  }
}

function readFacts(repo: Repository, input: Oid): RowFacts {
  try {
    const facts = JSON.parse(fs.readFileSync(factsFile(repo, input), 'utf8')) as unknown;
    return typeof facts === 'object' && facts !== null ? (facts as RowFacts) : {};
  } catch {
    return {};
  }
}

function factsFile(repo: Repository, id: Oid): string {
  return path.join(repo.dvDir, INPUT_COPIES_DIR, `${id}.rows.json`);
}

function copyFile(repo: Repository, id: Oid): string {
  return path.join(repo.dvDir, INPUT_COPIES_DIR, id);
}
