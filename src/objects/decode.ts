import { decodeCanonical } from '../codec/index.js';
import { oidFromBytes, type Oid } from '../hash/index.js';
import { CorruptObjectError } from '../errors/index.js';
import { isValidEntryName } from '../util/index.js';
import { readFileLayout } from './file-layout.js';
import { ENTRY_BY_CODE, type Commit, type DecodedObject, type FileObject, type ObjectKind, type Signature, type Tag, type Tree, type TreeEntry } from './types.js';

/** Decodes canonical structured bytes of the given kind (blob bytes pass through). */
export function decodeObject(kind: ObjectKind, bytes: Uint8Array): DecodedObject {
  if (kind === 'file') {
    const file = readFileLayout(bytes);
    if (file) return { kind, file };
  }
  return decodeGeneral(kind, bytes);
}

/** decodeObject through the general msgpack decoder only (readFileLayout must agree with it wherever it answers). */
export function decodeGeneral(kind: ObjectKind, bytes: Uint8Array): DecodedObject {
  if (kind === 'blob') return { kind, data: bytes };
  const v = decodeCanonical(bytes);
  if (!isMap(v) || v.t !== kind) throw new CorruptObjectError(`object is not a ${kind}`);
  switch (kind) {
    case 'file': return { kind, file: decodeFile(v) };
    case 'tree': return { kind, tree: decodeTree(v) };
    case 'commit': return { kind, commit: decodeCommit(v) };
    case 'tag': return { kind, tag: decodeTag(v) };
    default: {
      const { t: _t, ...rest } = v;
      return { kind, record: rest };
    }
  }
}

function decodeFile(v: Record<string, unknown>): FileObject {
  const chunks = arr(v.c, 'file chunks').map((c) => {
    const pair = arr(c, 'chunk');
    const fp = pair[2];
    if (fp !== undefined && !(fp instanceof Uint8Array && fp.length === 8)) throw new CorruptObjectError('malformed chunk fingerprint');
    return fp === undefined
      ? { id: oid(pair[0]), size: int(pair[1], 'chunk size') }
      : { id: oid(pair[0]), size: int(pair[1], 'chunk size'), fp: Buffer.from(fp.buffer, fp.byteOffset, fp.byteLength).toString('hex') };
  });
  return { size: int(v.s, 'file size'), chunks };
}

function decodeTree(v: Record<string, unknown>): Tree {
  const entries: TreeEntry[] = arr(v.e, 'tree entries').map((e) => {
    const [name, code, id, size] = arr(e, 'tree entry');
    const kind = ENTRY_BY_CODE.get(String(code));
    if (typeof name !== 'string' || !isValidEntryName(name) || !kind) throw new CorruptObjectError('malformed tree entry');
    return { name, kind, id: oid(id), size: int(size, 'entry size') };
  });
  return { entries };
}

function decodeCommit(v: Record<string, unknown>): Commit {
  return {
    tree: oid(v.tree),
    parents: arr(v.parents, 'parents').map(oid),
    author: signature(v.author),
    committer: signature(v.committer),
    message: str(v.message, 'message'),
    meta: isMap(v.meta) ? v.meta : {},
  };
}

function decodeTag(v: Record<string, unknown>): Tag {
  return {
    object: oid(v.object),
    objectKind: str(v.kind, 'tag kind') as ObjectKind,
    name: str(v.name, 'tag name'),
    tagger: signature(v.tagger),
    message: str(v.message, 'message'),
  };
}

function signature(v: unknown): Signature {
  if (!isMap(v)) throw new CorruptObjectError('malformed signature');
  return { name: str(v.name, 'name'), email: str(v.email, 'email'), ms: int(v.ms, 'time'), tz: int(v.tz, 'tz') };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}
function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new CorruptObjectError(`malformed ${what}`);
  return v;
}
function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new CorruptObjectError(`malformed ${what}`);
  return v;
}
function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new CorruptObjectError(`malformed ${what}`);
  return v;
}
function oid(v: unknown): Oid {
  if (!(v instanceof Uint8Array) || v.length !== 32) throw new CorruptObjectError('malformed object id');
  return oidFromBytes(v);
}
