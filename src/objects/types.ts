import type { Oid } from '../hash/index.js';

/** Kinds of object. `blob` is one chunk of content; `file` lists the chunks of a multi-chunk file. */
export type ObjectKind = 'blob' | 'file' | 'tree' | 'commit' | 'tag' | 'run' | 'experiment' | 'incident';

/** Structured kinds: their id is the BLAKE3 of their canonical encoding. */
export type RecordKind = Exclude<ObjectKind, 'blob' | 'file'>;

export type EntryKind = 'file' | 'exec' | 'symlink' | 'tree';

export interface TreeEntry {
  name: string;
  kind: EntryKind;
  id: Oid;
  /** Content bytes for files and symlinks; total content bytes below it for trees. */
  size: number;
}

export interface Tree {
  entries: TreeEntry[];
}

export interface ChunkRef {
  id: Oid;
  size: number;
  /**
   * Fingerprint of the chunk's first bytes (16 hex characters), so a later version of
   * the file can find which old chunk a changed chunk replaces without reading it.
   */
  fp?: string;
}

/** A file made of several chunks; its id is the BLAKE3 of the whole content. */
export interface FileObject {
  size: number;
  chunks: ChunkRef[];
}

/** Where each chunk of a file starts in its content. */
export function chunkOffsets(file: FileObject): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const c of file.chunks) { offsets.push(at); at += c.size; }
  return offsets;
}

export interface Signature {
  name: string;
  email: string;
  /** Milliseconds since the epoch. */
  ms: number;
  /** UTC offset in minutes. */
  tz: number;
}

/** Structured commit metadata: sources touched, runs that produced content, contract results. */
export interface CommitMeta {
  sources?: unknown[];
  runs?: Oid[];
  contracts?: unknown[];
  [key: string]: unknown;
}

export interface Commit {
  tree: Oid;
  parents: Oid[];
  author: Signature;
  committer: Signature;
  message: string;
  meta: CommitMeta;
}

export interface Tag {
  object: Oid;
  objectKind: ObjectKind;
  name: string;
  tagger: Signature;
  message: string;
}

/** Run, experiment and incident records: free-form maps whose schema lives in their own modules. */
export type GenericRecord = Record<string, unknown>;

export type DecodedObject =
  | { kind: 'blob'; data: Uint8Array }
  | { kind: 'file'; file: FileObject }
  | { kind: 'tree'; tree: Tree }
  | { kind: 'commit'; commit: Commit }
  | { kind: 'tag'; tag: Tag }
  | { kind: 'run' | 'experiment' | 'incident'; record: GenericRecord };

/** Numeric codes for kinds in the stored record header (see spec/objects.md). */
export const KIND_CODES: Readonly<Record<ObjectKind, number>> = {
  blob: 1, file: 2, tree: 3, commit: 4, tag: 5, run: 6, experiment: 7, incident: 8,
};

export const KIND_BY_CODE: ReadonlyMap<number, ObjectKind> = new Map(
  Object.entries(KIND_CODES).map(([k, v]) => [v, k as ObjectKind]),
);

const ENTRY_ORDER: Record<EntryKind, string> = { file: 'f', exec: 'x', symlink: 'l', tree: 't' };
export const ENTRY_CODE = ENTRY_ORDER;
export const ENTRY_BY_CODE: ReadonlyMap<string, EntryKind> = new Map(
  Object.entries(ENTRY_ORDER).map(([k, v]) => [v, k as EntryKind]),
);
