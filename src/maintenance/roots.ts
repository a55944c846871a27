import { isOid, type Oid } from '../hash/index.js';
import type { ReflogEntry, RefValue } from '../refs/index.js';
import { decodeIndexEntry, type StoreEnv } from '../store/index.js';
import { mentionedOids, type ObjectLink } from './links.js';

/**
 * Every starting point of reachability: refs (HEAD, branches, tags, remote-tracking and
 * any other), every reflog entry, every index entry, and any object id stored in config
 * (bisect and other session state). Config ids are weak: kept when present, never required.
 * Reads through whatever transaction is current, so it can run inside gc's sweep.
 */
export function collectRoots(env: StoreEnv): ObjectLink[] {
  const out: ObjectLink[] = [];
  for (const { key, value } of env.refs.getRange()) {
    const v = value as RefValue;
    if (v && typeof v === 'object' && 'oid' in v && typeof v.oid === 'string' && isOid(v.oid)) {
      out.push({ id: v.oid, expect: 'any', from: `ref ${String(key)}` });
    }
  }
  for (const { value } of env.reflog.getRange()) {
    const e = value as ReflogEntry;
    for (const id of [e.old, e.new]) {
      if (typeof id === 'string' && isOid(id)) out.push({ id, expect: 'any', from: `reflog of ${e.ref}` });
    }
  }
  for (const { key, value } of env.index.getRange()) {
    const e = decodeIndexEntry(value, String(key));
    out.push({ id: e.id, expect: 'content', from: `index entry '${String(key)}'` });
  }
  for (const { key, value } of env.config.getRange()) {
    for (const id of mentionedOids(value)) out.push({ id, expect: 'any', from: `config ${String(key)}`, weak: true });
  }
  return out;
}

/** The distinct ids of a list of links. */
export function linkIds(links: Iterable<ObjectLink>): Set<Oid> {
  const out = new Set<Oid>();
  for (const l of links) out.add(l.id);
  return out;
}
