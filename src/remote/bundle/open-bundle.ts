import fs from 'node:fs';
import * as tar from 'tar-stream';
import { CorruptObjectError, DvError, InvalidInputError } from '../../errors/index.js';
import type { Oid } from '../../hash/index.js';
import { oidFromBytes } from '../../hash/index.js';
import { KIND_BY_CODE, objectLinks, type ObjectKind } from '../../objects/index.js';
import { ENCODING_DELTA, deltaBase as payloadDeltaBase, verifyFileContent, verifyPayload, type ObjectStore } from '../../store/index.js';
import { BlobCache } from '../blob-cache.js';
import type { WireObject } from '../transport.js';
import { MAX_HEADER_BYTES, MAX_OBJECT_BYTES, parseBundleHeader, parseEntryName, type BundleHeader } from './bundle-format.js';

/** Where an object's record lies in the bundle file. */
export interface BundleEntry { kind: ObjectKind; offset: number; length: number }

/** Decoded blobs kept while verifying (delta bases, file chunks). */
const CACHE_BYTES = 64 * 1024 * 1024;

/**
 * A bundle file, read and verified completely: every entry is a regular file with an
 * expected name, every object's bytes match its id (deltas decoded against their base),
 * every object comes after what it refers to, and whatever it refers to outside the
 * bundle is held by `receiver` (the repository it will be imported into). Anything else
 * is refused with an InvalidInputError or CorruptObjectError before anything is imported.
 */
export class OpenBundle {
  private constructor(
    readonly file: string,
    private readonly fd: number,
    readonly header: BundleHeader,
    /** Objects in bundle order. */
    readonly entries: Map<Oid, BundleEntry>,
    readonly bytes: number,
  ) {}

  /** Opens and verifies a bundle; `receiver` is the store it will be imported into, if any. */
  static async open(file: string, opts: { receiver?: ObjectStore } = {}): Promise<OpenBundle> {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(code ?? err);
      throw new InvalidInputError(`cannot open bundle ${file}: ${why}`, { cause: err });
    }
    try {
      const { header, entries, bytes } = await verifyBundle(file, fd, opts.receiver);
      return new OpenBundle(file, fd, header, entries, bytes);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /** One object as stored in the bundle (the importer verifies it again). */
  read(id: Oid): WireObject {
    const e = this.entries.get(id);
    if (!e) throw new InvalidInputError(`bundle ${this.file} does not contain object ${id}`);
    return recordAt(this.fd, id, e);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

function recordAt(fd: number, id: Oid, e: BundleEntry): WireObject {
  const buf = Buffer.allocUnsafe(e.length);
  const n = fs.readSync(fd, buf, 0, e.length, e.offset);
  if (n !== e.length) throw new CorruptObjectError(`bundle object ${id} is cut short`, { data: { id } });
  return { id, kind: e.kind, encoding: buf[1]!, payload: buf.subarray(2) };
}

async function verifyBundle(file: string, fd: number, receiver: ObjectStore | undefined): Promise<{ header: BundleHeader; entries: Map<Oid, BundleEntry>; bytes: number }> {
  const where = file;
  const entries = new Map<Oid, BundleEntry>();
  const cache = new BlobCache(CACHE_BYTES);
  /** A blob's verified bytes: from the cache, earlier in the bundle, or the receiver. */
  const blobBytes = (id: Oid, of: Oid, what: string): Uint8Array => {
    const cached = cache.get(id);
    if (cached) return cached;
    const e = entries.get(id);
    if (e) {
      const o = recordAt(fd, id, e);
      const obj = verifyPayload(id, o, (base) => blobBytes(base, id, 'delta base'));
      if (obj.kind !== 'blob') throw new CorruptObjectError(`bundle object ${of} needs ${id} as a blob, but it is a ${obj.kind}`);
      cache.remember(id, obj.data);
      return obj.data;
    }
    if (receiver?.has(id)) return receiver.readDeltaBase(id, of);
    throw new InvalidInputError(`bundle ${where} is refused: object ${of} needs its ${what} ${id}, which is neither in the bundle nor in this repository`, { data: { id: of, missing: id } });
  };
  const held = (id: Oid): boolean => entries.has(id) || (receiver?.has(id) ?? false);

  let header: BundleHeader | undefined;
  let total = 0;
  const extract = tar.extract();
  // A stream of its own: the descriptor stays for the positioned reads of delta bases and chunks.
  const input = fs.createReadStream(file);
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      if (h.type !== 'file') {
        entry.resume();
        const what = h.type === 'symlink' ? 'a symbolic link' : h.type === 'link' ? 'a hard link' : h.type === 'directory' ? 'a directory' : `a ${h.type} entry`;
        parseEntryName(where, h.name);
        throw new InvalidInputError(`bundle ${where} is refused: entry '${h.name}' is ${what}, not a regular file`);
      }
      const name = parseEntryName(where, h.name);
      const size = h.size ?? 0;
      if ('header' in name) {
        if (header || entries.size > 0) throw new InvalidInputError(`bundle ${where} is refused: '${h.name}' must be its first and only header`);
        if (size > MAX_HEADER_BYTES) throw new InvalidInputError(`bundle ${where} is refused: its header is ${size} bytes`);
        header = parseBundleHeader(where, await readAll(entry));
        checkPrerequisites(where, header, receiver);
        continue;
      }
      if (!header) throw new InvalidInputError(`bundle ${where} is refused: it does not start with its header dv-bundle.json`, { hint: 'is this a dv bundle?' });
      const id = name.id;
      if (entries.has(id)) throw new InvalidInputError(`bundle ${where} is refused: object ${id} appears twice`);
      if (size < 2 || size > MAX_OBJECT_BYTES) throw new InvalidInputError(`bundle ${where} is refused: object ${id} has an impossible size ${size}`);
      const record = await readAll(entry);
      if (record.length !== size) throw new InvalidInputError(`bundle ${where} is truncated: object ${id} is cut short`);
      const kind = KIND_BY_CODE.get(record[0]!);
      if (!kind) throw new CorruptObjectError(`bundle object ${id} has an unknown kind code ${record[0]}`, { data: { id } });
      const o: WireObject = { id, kind, encoding: record[1]!, payload: record.subarray(2) };
      const base = kind === 'blob' && o.encoding === ENCODING_DELTA ? oidFromBytes(payloadDeltaBase(o.payload, id).base) : undefined;
      const baseBytes = base ? blobBytes(base, id, 'delta base') : undefined;
      const obj = verifyPayload(id, o, () => baseBytes!);
      if (obj.kind === 'blob') {
        cache.remember(id, obj.data);
      } else if (obj.kind === 'file') {
        verifyFileContent(id, obj.file, (c) => blobBytes(c, id, 'chunk'));
      } else {
        for (const l of objectLinks(id, obj)) {
          if (l.weak || held(l.id)) continue;
          throw new InvalidInputError(`bundle ${where} is refused: ${l.from} names ${l.id}, which is neither earlier in the bundle nor in this repository`, {
            data: { id, missing: l.id },
            hint: header.prerequisites.length ? `the bundle needs ${header.prerequisites.map((p) => p.slice(0, 12)).join(', ')} first` : undefined,
          });
        }
      }
      const offset = (h as { byteOffset?: number }).byteOffset;
      if (typeof offset !== 'number') throw new InvalidInputError(`bundle ${where}: cannot locate object ${id} in the archive`);
      entries.set(id, { kind, offset, length: size });
      total += size;
    }
  } catch (err) {
    extract.destroy();
    input.destroy();
    if (err instanceof DvError) throw err;
    throw new InvalidInputError(`bundle ${where} is truncated or not a tar archive (${(err as Error).message})`, { cause: err });
  }
  if (!header) throw new InvalidInputError(`bundle ${where} is empty or not a dv bundle`);
  if (entries.size !== header.objects) {
    throw new InvalidInputError(`bundle ${where} is truncated: its header promises ${header.objects} objects, it holds ${entries.size}`);
  }
  for (const [ref, id] of Object.entries(header.refs)) {
    if (!held(id)) throw new InvalidInputError(`bundle ${where} is refused: ${ref} points at ${id}, which is neither in the bundle nor in this repository`);
  }
  return { header, entries, bytes: total };
}

/** The commits an incremental bundle builds on must be here before anything else is read. */
function checkPrerequisites(where: string, header: BundleHeader, receiver: ObjectStore | undefined): void {
  const missing = header.prerequisites.filter((p) => !receiver?.has(p));
  if (missing.length === 0) return;
  const list = missing.map((p) => p.slice(0, 12)).join(', ');
  if (!receiver) {
    throw new InvalidInputError(`bundle ${where} continues history from commit ${list}, so it needs a repository that has ${missing.length > 1 ? 'them' : 'it'}`, {
      hint: 'fetch or verify it inside that repository; a clone needs a bundle made without an excluded end (e.g. `dv bundle create FILE main`)',
    });
  }
  throw new InvalidInputError(`bundle ${where} needs commit ${list}, which this repository does not have`, { hint: 'fetch or unbundle the history it builds on first' });
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}
