import { CorruptObjectError } from '../errors/index.js';
import { oidToBytes, shortOid, type Oid } from '../hash/index.js';
import type { ObjectStore } from '../store/index.js';
import { recordKind } from '../store/index.js';
import { fetchedOnCheckout, objectLinks, recordLinks, type ObjectLink } from './links.js';

/**
 * Marks every stored object reachable from `roots`. Structured and file objects are read
 * (and so verified); chunk blobs are only looked up, never read. A missing or unreadable
 * object that is reachable stops the mark: what it would have kept is unknown, so sweeping
 * could lose data. In a partial clone (`partial`), file content a tree names may be absent:
 * no checkout has fetched it yet.
 */
export function markReachable(objects: ObjectStore, roots: ObjectLink[], opts: { partial?: boolean } = {}): Set<Oid> {
  const marked = new Set<Oid>();
  const db = objects.env.objects;
  const stack = [...roots];
  while (stack.length > 0) {
    const link = stack.pop()!;
    if (marked.has(link.id)) continue;
    // Only the kind byte is needed; the fast read reuses one buffer instead of allocating.
    const rec = db.getBinaryFast(oidToBytes(link.id));
    if (!rec) {
      if (link.weak || fetchedOnCheckout(link, opts.partial)) continue;
      throw new CorruptObjectError(`object ${link.id} (${link.from}) is missing; gc will not sweep a broken repository`, {
        data: { id: link.id, from: link.from },
        hint: 'run `dv fsck` to see what is wrong',
      });
    }
    marked.add(link.id);
    let links: ObjectLink[];
    try {
      // A delta needs its base: keep the base alive as long as the delta is.
      for (const l of recordLinks(link.id, rec)) if (!marked.has(l.id)) stack.push(l);
      if (recordKind(rec, link.id) === 'blob') continue;
      links = objectLinks(link.id, objects.read(link.id));
    } catch (err) {
      throw new CorruptObjectError(`object ${shortOid(link.id)} (${link.from}) cannot be read; gc will not sweep a broken repository`, {
        data: { id: link.id, from: link.from },
        hint: 'run `dv fsck` to see what is wrong',
        cause: err,
      });
    }
    for (const l of links) if (!marked.has(l.id)) stack.push(l);
  }
  return marked;
}
