import type { Oid } from '../hash/index.js';
import type { CommitMeta, GenericRecord, ObjectKind, Signature, TreeEntry } from '../objects/index.js';
import type { Repository } from '../repo/index.js';
import { formatTimestamp } from '../util/index.js';

/** A signature with its time also as ISO 8601 in its own offset. */
export interface SignatureView extends Signature {
  date: string;
}

/** What `show` reports about one object, by kind. File content appears as `file` whether stored as one chunk or many. */
export type ObjectDescription =
  | { type: 'commit'; id: Oid; tree: Oid; parents: Oid[]; author: SignatureView; committer: SignatureView; message: string; meta: CommitMeta }
  | { type: 'tree'; id: Oid; entries: TreeEntry[] }
  | { type: 'tag'; id: Oid; name: string; object: Oid; objectKind: ObjectKind; tagger: SignatureView; message: string; target: ObjectDescription }
  | { type: 'file'; id: Oid; size: number; chunks: number }
  | { type: 'run' | 'experiment' | 'incident'; id: Oid; record: GenericRecord };

/** Reads and describes one object; an annotated tag includes the description of what it points at. */
export function describeObject(repo: Repository, id: Oid): ObjectDescription {
  const obj = repo.objects.read(id);
  switch (obj.kind) {
    case 'commit': {
      const c = obj.commit;
      return { type: 'commit', id, tree: c.tree, parents: c.parents, author: viewSignature(c.author), committer: viewSignature(c.committer), message: c.message, meta: c.meta };
    }
    case 'tree':
      return { type: 'tree', id, entries: obj.tree.entries };
    case 'tag': {
      const t = obj.tag;
      return { type: 'tag', id, name: t.name, object: t.object, objectKind: t.objectKind, tagger: viewSignature(t.tagger), message: t.message, target: describeObject(repo, t.object) };
    }
    case 'blob':
      return { type: 'file', id, size: obj.data.length, chunks: 1 };
    case 'file':
      return { type: 'file', id, size: obj.file.size, chunks: obj.file.chunks.length };
    default:
      return { type: obj.kind, id, record: obj.record };
  }
}

/** Adds the ISO date to a signature for display and JSON. */
export function viewSignature(s: Signature): SignatureView {
  return { ...s, date: formatTimestamp({ ms: s.ms, tz: s.tz }) };
}
