import { NotFoundError } from '../errors/index.js';
import { oidFromBytes, oidToBytes, type Oid } from '../hash/index.js';
import { objectLinks } from '../objects/index.js';
import { recordDeltaBase, recordKind, type ObjectStore } from '../store/index.js';
import type { WalkNode, WalkSource } from './collect-objects.js';

/**
 * The local object store as the sending side of a walk. Chunk blobs are not read (only
 * their record, for a delta's base); structured objects are read and so verified. Ids
 * that objects merely mention (weak links) are sent when held here.
 */
export function storeSource(objects: ObjectStore): WalkSource {
  return {
    async load(ids) {
      const out = new Map<Oid, WalkNode>();
      for (const id of ids) out.set(id, loadNode(objects, id));
      return out;
    },
    parentsOf(id) {
      if (objects.kindOf(id) !== 'commit') return undefined;
      return objects.readCommit(id).parents;
    },
    heldAlongside(commit, held) {
      const out: Oid[] = [];
      heldTreeEntries(objects, objects.readCommit(commit).tree, objects.readCommit(held).tree, out);
      return out;
    },
  };
}

/** Adds the entries of tree `old` (held by the receiver) to `out`, descending where `cur` differs from it by name. */
function heldTreeEntries(objects: ObjectStore, cur: Oid, old: Oid, out: Oid[]): void {
  if (cur === old) { out.push(old); return; }
  const oldEntries = new Map(objects.readTree(old).entries.map((e) => [e.name, e] as const));
  out.push(old);
  for (const e of oldEntries.values()) out.push(e.id);
  for (const e of objects.readTree(cur).entries) {
    const o = oldEntries.get(e.name);
    if (o && o.kind === 'tree' && e.kind === 'tree' && o.id !== e.id) heldTreeEntries(objects, e.id, o.id, out);
  }
}

function loadNode(objects: ObjectStore, id: Oid): WalkNode {
  const rec = objects.getRecord(id);
  if (!rec) {
    throw new NotFoundError(`object ${id} is missing here, so it cannot be sent`, {
      data: { id },
      hint: 'a partial clone lacks objects it never checked out; fetch them first, or run `dv fsck`',
    });
  }
  const kind = recordKind(rec, id);
  if (kind === 'blob') {
    // A chunk's record names its delta base: the chunk itself is not read.
    const base = recordDeltaBase(rec, id);
    return { kind, links: base ? [oidFromBytes(base)] : [] };
  }
  const links: Oid[] = [];
  for (const l of objectLinks(id, objects.read(id))) {
    if (!l.weak || objects.env.objects.doesExist(oidToBytes(l.id))) links.push(l.id);
  }
  return { kind, links };
}
