import { RemoteError } from '../../errors/index.js';
import { isOid, type Oid } from '../../hash/index.js';

/** Layout version of an s3:// remote (spec/s3-remote.md). */
export const S3_REMOTE_FORMAT = 1;

/** The refs document: every ref of the remote in one object, so one conditional write moves any set of them. */
export interface RefsDoc {
  format: number;
  head: string | null;
  refs: Record<string, Oid>;
}

/** Parses refs.json; anything unexpected is a RemoteError (a damaged or foreign bucket). */
export function parseRefsDoc(where: string, bytes: Uint8Array): RefsDoc {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new RemoteError(`${where} is not valid JSON`);
  }
  const doc = v as Partial<RefsDoc>;
  if (!doc || typeof doc !== 'object' || typeof doc.format !== 'number') throw new RemoteError(`${where} is not a dv refs document`);
  if (doc.format > S3_REMOTE_FORMAT) {
    throw new RemoteError(`${where} has remote format ${doc.format}, newer than this dv supports (${S3_REMOTE_FORMAT})`, { hint: 'upgrade dv' });
  }
  const refs: Record<string, Oid> = {};
  if (!doc.refs || typeof doc.refs !== 'object') throw new RemoteError(`${where} has no refs map`);
  for (const [name, id] of Object.entries(doc.refs)) {
    if (typeof id !== 'string' || !isOid(id) || !name.startsWith('refs/')) throw new RemoteError(`${where} has a malformed ref ${JSON.stringify(name)}`);
    refs[name] = id;
  }
  const head = typeof doc.head === 'string' && doc.head.startsWith('refs/heads/') ? doc.head : null;
  return { format: doc.format, head, refs };
}

/** The bytes of a refs document (keys sorted, so equal documents are equal bytes). */
export function encodeRefsDoc(doc: RefsDoc): Buffer {
  const refs: Record<string, Oid> = {};
  for (const name of Object.keys(doc.refs).sort()) refs[name] = doc.refs[name]!;
  return Buffer.from(JSON.stringify({ format: doc.format, head: doc.head, refs }, null, 1) + '\n');
}
