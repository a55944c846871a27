import { InvalidInputError } from '../../errors/index.js';
import { isOid, type Oid } from '../../hash/index.js';
import { BRANCH_PREFIX, TAG_PREFIX, parseShortRefName } from '../../refs/index.js';

/**
 * A bundle (spec/bundle.md) is a tar archive: first `dv-bundle.json` (this header), then
 * one regular file `objects/<id>` per object holding its stored record
 * `[kind u8][encoding u8][payload]`, each after everything it refers to.
 */
export const BUNDLE_FORMAT = 1;
export const HEADER_NAME = 'dv-bundle.json';
export const OBJECT_DIR = 'objects/';
/** Largest header and object entry a reader accepts. */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;
export const MAX_OBJECT_BYTES = 256 * 1024 * 1024;

export interface BundleHeader {
  format: number;
  /** Full ref names → ids: what the bundle offers. */
  refs: Record<string, Oid>;
  /** The branch a clone of the bundle checks out. */
  head: string | null;
  /** Commits the bundle leaves out (the excluded ends of its range): the receiver must have them. */
  prerequisites: Oid[];
  /** How many object entries follow. */
  objects: number;
}

/** Validates a parsed header; `where` names the bundle in messages. */
export function parseBundleHeader(where: string, bytes: Uint8Array): BundleHeader {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new InvalidInputError(`bundle ${where} has a header that is not valid JSON`);
  }
  const h = v as Partial<BundleHeader>;
  const bad = (why: string): InvalidInputError => new InvalidInputError(`bundle ${where} has a malformed header: ${why}`);
  if (!h || typeof h !== 'object' || typeof h.format !== 'number') throw bad('no format');
  if (h.format > BUNDLE_FORMAT) throw new InvalidInputError(`bundle ${where} has format ${h.format}, newer than this dv reads (${BUNDLE_FORMAT})`, { hint: 'upgrade dv' });
  if (!h.refs || typeof h.refs !== 'object') throw bad('no refs');
  const refs: Record<string, Oid> = {};
  for (const [name, id] of Object.entries(h.refs)) {
    if (typeof id !== 'string' || !isOid(id)) throw bad(`ref ${JSON.stringify(name)} has no valid id`);
    checkBundleRefName(name);
    refs[name] = id;
  }
  if (!Array.isArray(h.prerequisites) || !h.prerequisites.every((p) => typeof p === 'string' && isOid(p))) throw bad('prerequisites must be ids');
  if (typeof h.objects !== 'number' || !Number.isSafeInteger(h.objects) || h.objects < 0) throw bad('no object count');
  const head = typeof h.head === 'string' && h.head in refs && h.head.startsWith(BRANCH_PREFIX) ? h.head : null;
  return { format: h.format, refs, head, prerequisites: h.prerequisites as Oid[], objects: h.objects };
}

/** A ref a bundle may carry: a valid branch or tag name. */
export function checkBundleRefName(name: string): void {
  const isBranch = name.startsWith(BRANCH_PREFIX);
  if (!isBranch && !name.startsWith(TAG_PREFIX)) throw new InvalidInputError(`bundle ref ${JSON.stringify(name)} is neither a branch nor a tag`);
  parseShortRefName(name.slice(isBranch ? BRANCH_PREFIX.length : TAG_PREFIX.length), isBranch ? 'branch' : 'tag');
}

/**
 * Classifies an entry name: the header, an object id, or a refusal. Paths that could
 * escape a directory (absolute, `..`, backslashes, drive letters) get their own message.
 */
export function parseEntryName(where: string, name: string): { header: true } | { id: Oid } {
  if (name.startsWith('/') || name.includes('\\') || /^[a-z]:/i.test(name) || name.split('/').includes('..')) {
    throw new InvalidInputError(`bundle ${where} is refused: entry '${name}' has an unsafe path (absolute or with '..')`);
  }
  if (name === HEADER_NAME) return { header: true };
  const id = name.startsWith(OBJECT_DIR) ? name.slice(OBJECT_DIR.length) : '';
  if (isOid(id)) return { id };
  throw new InvalidInputError(`bundle ${where} is refused: unexpected entry '${name}'`);
}
