import { isOid, type Oid } from '../hash/index.js';
import type { DecodedObject, ObjectKind } from './types.js';

/** What a reference expects to find: an object kind, file content (blob or file object), or anything. */
export type ExpectedKind = ObjectKind | 'content' | 'any';

/** One reference from an object (or a root) to another object. */
export interface ObjectLink {
  id: Oid;
  expect: ExpectedKind;
  /** Who refers to it, for messages: "commit 1a2b… parent", "ref refs/heads/main". */
  from: string;
  /** Weak links are kept by gc when present but are not errors when absent (ids inside free-form records). */
  weak?: boolean;
}

/** True when an object of `kind` satisfies `expect`. */
export function kindMatches(kind: ObjectKind, expect: ExpectedKind): boolean {
  if (expect === 'any') return true;
  if (expect === 'content') return kind === 'blob' || kind === 'file';
  return kind === expect;
}

/**
 * The outgoing references of a decoded object: commits → tree, parents and run records;
 * trees → entries; tags → target; file objects → chunks; records → ids they mention.
 */
export function objectLinks(id: Oid, obj: DecodedObject): ObjectLink[] {
  const short = id.slice(0, 12);
  switch (obj.kind) {
    case 'blob':
      return [];
    case 'file':
      return obj.file.chunks.map((c, i) => ({ id: c.id, expect: 'blob' as const, from: `file ${short} chunk ${i}` }));
    case 'tree':
      return obj.tree.entries.map((e) => ({
        id: e.id,
        expect: e.kind === 'tree' ? 'tree' as const : 'content' as const,
        from: `tree ${short} entry '${e.name}'`,
      }));
    case 'commit': {
      const c = obj.commit;
      const out: ObjectLink[] = [
        { id: c.tree, expect: 'tree', from: `commit ${short} tree` },
        ...c.parents.map((p) => ({ id: p, expect: 'commit' as const, from: `commit ${short} parent` })),
      ];
      const runs = Array.isArray(c.meta.runs) ? c.meta.runs : [];
      const strong = new Set<string>([c.tree, ...c.parents]);
      for (const r of runs) {
        if (typeof r === 'string' && isOid(r)) { out.push({ id: r, expect: 'run', from: `commit ${short} run` }); strong.add(r); }
      }
      // Other metadata (sources, contracts) may name objects; keep them without requiring them.
      for (const o of mentionedOids(c.meta)) if (!strong.has(o)) out.push({ id: o, expect: 'any', from: `commit ${short} metadata`, weak: true });
      return out;
    }
    case 'tag': {
      const k = obj.tag.objectKind;
      return [{ id: obj.tag.object, expect: k === 'blob' || k === 'file' ? 'content' : k, from: `tag ${short}` }];
    }
    default:
      return [...mentionedOids(obj.record)].map((o) => ({ id: o, expect: 'any' as const, from: `${obj.kind} ${short}`, weak: true }));
  }
}

/** Every full object id mentioned as a string anywhere inside a value (maps, arrays, nested). */
export function mentionedOids(value: unknown): Set<Oid> {
  const out = new Set<Oid>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.length === 64 && isOid(v)) out.add(v);
    } else if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (v instanceof Map) {
      for (const x of v.values()) stack.push(x);
    } else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
      for (const x of Object.values(v)) stack.push(x);
    }
  }
  return out;
}
