import { CorruptObjectError, RemoteError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { objectLinks, type DecodedObject } from '../objects/index.js';
import type { Repository } from '../repo/index.js';
import { verifyPayload } from '../store/index.js';
import { collectObjects, type WalkNode } from './collect-objects.js';
import type { CheckoutTap } from './checkout-tap.js';
import { ObjectImporter } from './import-objects.js';
import { HAVE_BATCH, type TransferEvents, type Transport, type WireObject } from './transport.js';

export interface FetchObjectsOptions {
  /** Ids held here that the walk need not look past (local ref tips). */
  known?: Oid[];
  /** Fetch history and trees only; file content stays on the remote until a checkout needs it. */
  partial?: boolean;
  /** Writes out one commit's files as their content verifies (a clone's checkout then moves them into place). */
  tap?: CheckoutTap;
  /** Told of the objects as they arrive. */
  progress?: TransferEvents;
}

export interface FetchObjectsResult { objects: number; bytes: number; requests: number }

/**
 * Brings every object reachable from `tips` that is not held here, generation by
 * generation (all the missing commits in the first when the remote tells its history):
 * structured objects are verified on arrival and kept aside until what they
 * refer to is stored, content is verified and stored as it arrives (so an interrupted
 * fetch keeps it and a retry does not ask for it again), and a delta's base is asked for
 * when it is not held. An object the remote cannot send, or that does not match its id,
 * fails the fetch; nothing that failed verification is stored.
 */
export async function fetchObjects(repo: Repository, transport: Transport, tips: Oid[], opts: FetchObjectsOptions = {}): Promise<FetchObjectsResult> {
  const importer = new ObjectImporter(repo.objects, { deferMissingBases: true, partial: opts.partial, tap: opts.tap });
  /** Structured objects as they arrived and as verified, stored once the walk has everything they refer to. */
  const structured = new Map<Oid, { o: WireObject; obj: DecodedObject }>();
  let bytes = 0;
  let requests = 0;

  const load = async (ids: Oid[]): Promise<Map<Oid, WalkNode>> => {
    const wanted = new Set(ids);
    const out = new Map<Oid, WalkNode>();
    const weak = new Map<Oid, Oid[]>();
    requests++;
    opts.progress?.expect?.(ids.length);
    for await (const o of transport.getObjects(ids)) {
      if (!wanted.has(o.id) || out.has(o.id)) throw new RemoteError(`the remote sent object ${o.id}, which was not asked for`, { data: { id: o.id } });
      bytes += o.payload.length;
      opts.progress?.moved?.(o.payload.length);
      if (o.kind === 'blob') {
        const base = await importer.add(o);
        out.set(o.id, { kind: 'blob', links: base ? [base] : [] });
        continue;
      }
      const obj = verifyPayload(o.id, o, () => { throw new CorruptObjectError(`object ${o.id} is a ${o.kind} stored as a delta`); });
      structured.set(o.id, { o, obj });
      opts.tap?.observe(o.id, obj);
      // Its chunks are hashed as they arrive, so the file needs no second read at the end.
      if (obj.kind === 'file' && !opts.partial) importer.expectFile(o.id, obj.file);
      const links: Oid[] = [];
      for (const l of objectLinks(o.id, obj)) {
        if (opts.partial && l.expect === 'content') continue;
        if (l.weak) weak.set(l.id, [...(weak.get(l.id) ?? []), o.id]);
        else links.push(l.id);
      }
      out.set(o.id, { kind: o.kind, links });
    }
    const missing = ids.filter((id) => !out.has(id));
    if (missing.length > 0) {
      throw new RemoteError(`the remote did not send ${missing.length} object(s) it was asked for, such as ${missing[0]}`, { data: { missing: missing.slice(0, 10) } });
    }
    // Ids that records merely mention come along when the remote has them.
    await importer.settle();
    const weakIds = [...weak.keys()].filter((id) => !importer.holds(id));
    for (let i = 0; i < weakIds.length; i += HAVE_BATCH) {
      const part = weakIds.slice(i, i + HAVE_BATCH);
      const present = await transport.hasObjects(part);
      part.forEach((id, j) => { if (present[j]) for (const from of weak.get(id)!) out.get(from)!.links.push(id); });
    }
    return out;
  };

  try {
    // The remote's history, when it can tell it: the walk then asks for every missing commit at once.
    const told = transport.history ? await transport.history(tips, opts.known ?? []) : undefined;
    const history = told?.size ? told : undefined;
    if (history) requests++;
    const collected = await collectObjects({
      source: { load, parentsOf: history && ((id) => history.get(id)) },
      has: async (ids) => { await importer.settle(); return ids.map((id) => importer.holds(id)); },
      tips,
      known: opts.known,
    });
    for (const id of collected.ids) {
      const s = structured.get(id);
      if (s) await importer.add(s.o, s.obj);
    }
    await importer.finish();
    return { objects: collected.ids.length, bytes, requests };
  } catch (err) {
    await importer.abandon();
    throw err;
  }
}
