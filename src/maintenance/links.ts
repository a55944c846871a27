import { oidFromBytes, type Oid } from '../hash/index.js';
import { recordDeltaBase } from '../store/index.js';
import type { ObjectLink } from '../objects/index.js';

export { objectLinks, mentionedOids, kindMatches, type ObjectLink, type ExpectedKind } from '../objects/index.js';

/**
 * Whether a link to an object not stored is expected there: in a partial clone, file
 * content a tree names arrives only when a checkout needs it.
 */
export function fetchedOnCheckout(link: ObjectLink, partial: boolean | undefined): boolean {
  return partial === true && link.expect === 'content';
}

/**
 * References a stored record makes below the object model: a blob stored as a delta
 * needs its base blob to be read, so the base is kept (and checked) as long as the delta is.
 */
export function recordLinks(id: Oid, record: Uint8Array): ObjectLink[] {
  const base = recordDeltaBase(record, id);
  return base ? [{ id: oidFromBytes(base), expect: 'blob', from: `delta ${id.slice(0, 12)} base` }] : [];
}

