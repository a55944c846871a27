import { encodeCanonical, type CanonicalValue } from '../codec/index.js';
import { oidToBytes, hashBytes, type Oid } from '../hash/index.js';
import { InvalidInputError } from '../errors/index.js';
import { isValidEntryName } from '../util/index.js';
import { writeTreeBytes } from './tree-bytes.js';
import { ENTRY_CODE, type Commit, type FileObject, type GenericRecord, type RecordKind, type Signature, type Tag, type Tree, type TreeEntry } from './types.js';

/** Canonical bytes of a tree; entries are sorted by name (byte order) and must be unique. */
export function encodeTree(tree: Tree): Buffer {
  const entries = [...tree.entries].sort((a, b) => compareNames(a.name, b.name));
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (!isValidEntryName(e.name)) throw new InvalidInputError(`invalid tree entry name: ${JSON.stringify(e.name)}`);
    if (i > 0 && entries[i - 1]!.name === e.name) throw new InvalidInputError(`duplicate tree entry: ${e.name}`);
  }
  return writeTreeBytes(entries) ?? canonicalTreeBytes(entries);
}

/** A tree's canonical bytes the general way (what writeTreeBytes must equal). */
export function canonicalTreeBytes(entries: readonly TreeEntry[]): Buffer {
  return encodeCanonical({
    t: 'tree',
    e: entries.map((e) => [e.name, ENTRY_CODE[e.kind], oidToBytes(e.id), e.size]),
  });
}

/** Canonical bytes of a multi-chunk file object. */
export function encodeFileObject(file: FileObject): Buffer {
  return encodeCanonical({
    t: 'file',
    s: file.size,
    c: file.chunks.map((c) => (c.fp ? [oidToBytes(c.id), c.size, Buffer.from(c.fp, 'hex')] : [oidToBytes(c.id), c.size])),
  });
}

/** Canonical bytes of a commit. */
export function encodeCommit(c: Commit): Buffer {
  return encodeCanonical({
    t: 'commit',
    tree: oidToBytes(c.tree),
    parents: c.parents.map(oidToBytes),
    author: sig(c.author),
    committer: sig(c.committer),
    message: c.message,
    meta: c.meta as CanonicalValue,
  });
}

/** Canonical bytes of an annotated tag. */
export function encodeTag(t: Tag): Buffer {
  return encodeCanonical({
    t: 'tag', object: oidToBytes(t.object), kind: t.objectKind, name: t.name, tagger: sig(t.tagger), message: t.message,
  });
}

/** Canonical bytes of a run, experiment or incident record (ids inside stay hex strings). */
export function encodeRecord(kind: Exclude<RecordKind, 'tree' | 'commit' | 'tag'>, record: GenericRecord): Buffer {
  return encodeCanonical({ ...(record as Record<string, CanonicalValue>), t: kind });
}

/** The id of canonical bytes. */
export function idOfEncoded(bytes: Uint8Array): Oid {
  return hashBytes(bytes);
}

function sig(s: Signature): CanonicalValue {
  return { name: s.name, email: s.email, ms: s.ms, tz: s.tz };
}

/**
 * Byte-wise comparison of entry names (UTF-8 order, like git). Below the surrogates
 * (U+D800) UTF-16 code units compare as UTF-8 bytes do, so names made of such
 * characters are compared in place; any other name is compared as UTF-8 bytes (trees
 * of 50,000 names spent most of their encoding time making buffers to compare).
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x >= 0xd800 || y >= 0xd800) return Buffer.compare(Buffer.from(a), Buffer.from(b));
    if (x !== y) return x - y;
  }
  // One is a prefix of the other, and so are their bytes.
  return a.length - b.length;
}
