import { randomBytes } from 'node:crypto';
import { ConflictError, CorruptObjectError, InvalidInputError, RemoteError, UsageError } from '../../errors/index.js';
import { oidFromBytes, type Oid } from '../../hash/index.js';
import { objectLinks, type DecodedObject } from '../../objects/index.js';
import { BRANCH_PREFIX, TAG_PREFIX, parseShortRefName } from '../../refs/index.js';
import { parseByteSize } from '../../util/index.js';
import { ENCODING_DELTA, deltaBase as payloadDeltaBase, verifyPayload } from '../../store/index.js';
import { BlobCache } from '../blob-cache.js';
import { walkHistory, type CommitHistory } from '../commit-history.js';
import type { RefUpdate, Transport, WireObject } from '../transport.js';
import { PreconditionFailed, S3Bucket } from './s3-client.js';
import { parseS3Url, type S3Location } from './s3-location.js';
import { decodePackIndex, decodeRecord, type PackEntry } from './s3-pack.js';
import { PackBuilder, PackUploader, type PackContents } from './s3-pack-upload.js';
import { S3_REMOTE_FORMAT, encodeRefsDoc, parseRefsDoc, type RefsDoc } from './s3-refs.js';

/** A pack is uploaded once it holds this many bytes (and at the end of a push); DV_S3_PACK_SIZE sets it. */
const PACK_BYTES = 64 * 1024 * 1024;
/** Packs uploading at once while the next fills (each is in memory until its index is written). */
const UPLOADS_AT_ONCE = 2;
/** getObjects reads about this many bytes of records before yielding them. */
const WINDOW_BYTES = 32 * 1024 * 1024;
/** Two records of one pack closer than this are read in one ranged GET. */
const RANGE_GAP = 256 * 1024;
const RANGE_MAX = 16 * 1024 * 1024;
const PARALLEL = 8;
/** Decoded blobs kept as delta bases while verifying a push. */
const CACHE_BYTES = 64 * 1024 * 1024;
/** Attempts at the refs document when other pushes keep moving it. */
const REF_ATTEMPTS = 12;

/** An object this push already took on (in the pack filling, or one uploading), by id. */
type SentLookup = (id: Oid) => WireObject | undefined;

/**
 * A remote in an S3 bucket (spec/s3-remote.md): objects in packs with an index each,
 * all refs in one document moved by conditional writes (If-Match on its ETag, or
 * If-None-Match: * to create it), so of two pushers racing for the same old state
 * exactly one wins. Works with any server that honours conditional writes (AWS S3,
 * MinIO, Ceph RGW); a server that ignores them is detected and refused before a ref moves.
 */
export class S3Transport implements Transport {
  private index = new Map<Oid, PackEntry>();
  /** The commits the loaded indexes list (version 2 indexes), with their parents. */
  private readonly commits: CommitHistory = new Map();
  private readonly loadedPacks = new Set<string>();
  private indexLoaded = false;
  private ifMatchBare = false;
  private conditionalChecked = false;
  private readonly cache = new BlobCache(CACHE_BYTES);
  private readonly packBytes = packSize(process.env.DV_S3_PACK_SIZE);

  private constructor(private readonly bucket: S3Bucket, readonly location: S3Location) {}

  static open(url: string): S3Transport {
    const loc = parseS3Url(url);
    return new S3Transport(new S3Bucket(loc), loc);
  }

  private key(rel: string): string {
    return this.location.prefix ? `${this.location.prefix}/${rel}` : rel;
  }

  private where(rel: string): string {
    return `s3://${this.location.bucket}/${this.key(rel)}`;
  }

  async listRefs(): Promise<{ refs: Map<string, Oid>; head: string | null }> {
    const cur = await this.readRefs();
    return { refs: new Map(Object.entries(cur?.doc.refs ?? {})), head: cur?.doc.head ?? null };
  }

  async hasObjects(ids: Oid[]): Promise<boolean[]> {
    await this.loadIndex(false);
    return ids.map((id) => this.index.has(id));
  }

  /** From the commit lists of the pack indexes, which a fetch loads anyway: no request of its own. */
  async history(tips: Oid[], stop: Oid[]): Promise<CommitHistory> {
    await this.loadIndex(false);
    if (tips.some((id) => !this.index.has(id))) await this.loadIndex(true);
    return walkHistory((id) => this.commits.get(id), tips, stop);
  }

  getObjects(ids: Oid[]): AsyncIterable<WireObject> {
    return this.readObjects(ids);
  }

  private async *readObjects(ids: Oid[]): AsyncGenerator<WireObject> {
    await this.loadIndex(false);
    if (ids.some((id) => !this.index.has(id))) await this.loadIndex(true);
    const windows: Array<{ start: number; end: number }> = [];
    for (let start = 0; start < ids.length;) {
      let end = start;
      let bytes = 0;
      while (end < ids.length && (end === start || bytes < WINDOW_BYTES)) {
        const e = this.index.get(ids[end]!);
        if (!e) throw new RemoteError(`the remote does not have object ${ids[end]}`, { data: { id: ids[end] } });
        bytes += e.length;
        end++;
      }
      windows.push({ start, end });
      start = end;
    }
    // The next window downloads while the receiver verifies and stores this one.
    const read = (w: { start: number; end: number }) => {
      const p = this.readRecords(ids.slice(w.start, w.end));
      p.catch(() => undefined); // awaited in its turn; not unhandled meanwhile
      return p;
    };
    let next = windows.length > 0 ? read(windows[0]!) : undefined;
    for (let k = 0; k < windows.length; k++) {
      const records = await next!;
      next = k + 1 < windows.length ? read(windows[k + 1]!) : undefined;
      const { start, end } = windows[k]!;
      for (let i = start; i < end; i++) yield decodeRecord(ids[i]!, records.get(ids[i]!)!);
    }
  }

  /** Reads the records of some ids, coalescing neighbours in a pack into one ranged GET. */
  private async readRecords(ids: Oid[]): Promise<Map<Oid, Uint8Array>> {
    const byPack = new Map<string, Array<{ id: Oid } & PackEntry>>();
    for (const id of new Set(ids)) {
      const e = this.index.get(id)!;
      const list = byPack.get(e.pack) ?? [];
      list.push({ id, ...e });
      byPack.set(e.pack, list);
    }
    const ranges: Array<{ pack: string; start: number; end: number; items: Array<{ id: Oid } & PackEntry> }> = [];
    for (const [pack, list] of byPack) {
      list.sort((a, b) => a.offset - b.offset);
      let cur: (typeof ranges)[number] | undefined;
      for (const e of list) {
        if (cur && e.offset - cur.end <= RANGE_GAP && e.offset + e.length - cur.start <= RANGE_MAX) {
          cur.end = Math.max(cur.end, e.offset + e.length);
          cur.items.push(e);
        } else {
          cur = { pack, start: e.offset, end: e.offset + e.length, items: [e] };
          ranges.push(cur);
        }
      }
    }
    const out = new Map<Oid, Uint8Array>();
    await parallel(ranges, PARALLEL, async (r) => {
      const got = await this.bucket.get(this.key(`packs/${r.pack}.pack`), { start: r.start, end: r.end });
      if (!got) throw new RemoteError(`pack ${r.pack} is listed in the bucket but missing`, { data: { pack: r.pack } });
      for (const e of r.items) out.set(e.id, got.body.subarray(e.offset - r.start, e.offset - r.start + e.length));
    });
    return out;
  }

  /** Loads the pack indexes not loaded yet (all of them once; later only when `refresh`). */
  private async loadIndex(refresh: boolean): Promise<void> {
    if (this.indexLoaded && !refresh) return;
    const names: string[] = [];
    for await (const key of this.bucket.list(this.key('packs/'))) {
      const m = /\/?packs\/([0-9a-z-]+)\.idx$/.exec(key);
      if (m && !this.loadedPacks.has(m[1]!)) names.push(m[1]!);
    }
    await parallel(names, PARALLEL, async (name) => {
      const got = await this.bucket.get(this.key(`packs/${name}.idx`));
      if (!got) return;
      decodePackIndex(name, got.body, this.index, this.commits);
      this.loadedPacks.add(name);
    });
    this.indexLoaded = true;
  }

  async putObjects(objects: AsyncIterable<WireObject>): Promise<void> {
    await this.loadIndex(false);
    const pack = new PackBuilder();
    const uploads = new PackUploader({
      putPack: async (name, body) => { await this.bucket.put(this.key(`packs/${name}.pack`), body); },
      // The index is written last: an object counts as held only once its pack is complete.
      putIndex: async (name, index) => { await this.bucket.put(this.key(`packs/${name}.idx`), index, { ifNoneMatch: '*' }); },
      indexed: (p) => this.noteUploaded(p),
    }, UPLOADS_AT_ONCE);
    const sent = (id: Oid): WireObject | undefined => pack.get(id) ?? uploads.get(id);
    // File objects travel just before their chunks: each waits here until its chunks are in.
    const waiting = new Map<Oid, { file: WireObject; missing: number }>();
    const waitingOn = new Map<Oid, Oid[]>();
    const add = async (o: WireObject, parents?: Oid[]): Promise<void> => {
      pack.add(o, parents);
      for (const fileId of waitingOn.get(o.id) ?? []) {
        const w = waiting.get(fileId)!;
        if (--w.missing === 0) { waiting.delete(fileId); pack.add(w.file); }
      }
      waitingOn.delete(o.id);
      if (pack.size >= this.packBytes) await uploads.upload(pack);
    };
    try {
      for await (const o of objects) {
        if (this.index.has(o.id) || sent(o.id) || waiting.has(o.id)) continue;
        const obj = await this.verify(o, sent);
        if (obj.kind === 'file') {
          const missing = [...new Set(obj.file.chunks.map((c) => c.id))].filter((c) => !this.index.has(c) && !sent(c));
          if (missing.length > 0) {
            waiting.set(o.id, { file: o, missing: missing.length });
            for (const c of missing) waitingOn.set(c, [...(waitingOn.get(c) ?? []), o.id]);
            continue;
          }
        }
        await add(o, obj.kind === 'commit' ? obj.commit.parents : undefined);
      }
      await uploads.upload(pack);
      await uploads.finish();
    } catch (err) {
      // What was verified stays: a retry need not send it again.
      await uploads.upload(pack).catch(() => undefined);
      await uploads.settle();
      throw err;
    }
    if (waiting.size > 0) {
      const [fileId] = waiting.keys();
      throw new CorruptObjectError(`file ${fileId} arrived without all of its chunks`, { data: { id: fileId } });
    }
  }

  /** Records an uploaded pack's objects as held. */
  private noteUploaded(pack: PackContents): void {
    for (const e of pack.entries) this.index.set(e.id, { pack: pack.name, offset: e.offset, length: e.length });
    for (const [id, parents] of pack.commits) this.commits.set(id, parents);
    this.loadedPacks.add(pack.name);
  }

  /**
   * Checks an object before it is uploaded: its bytes against its id (a delta decoded
   * against its base, from this push or the bucket), and that everything it needs is in
   * the bucket or earlier in the push. A file object's chunks are checked one by one as
   * blobs (they may follow it: the caller waits for them); its whole-content hash is
   * checked by every reader. Returns the decoded object.
   */
  private async verify(o: WireObject, sent: SentLookup): Promise<DecodedObject> {
    const base = o.kind === 'blob' && o.encoding === ENCODING_DELTA ? await this.loadBlob(oidFromBytes(payloadDeltaBase(o.payload, o.id).base), sent) : undefined;
    const obj = verifyPayload(o.id, o, () => base!);
    const held = (id: Oid): boolean => this.index.has(id) || sent(id) !== undefined;
    if (obj.kind === 'blob') {
      this.cache.remember(o.id, obj.data);
    } else if (obj.kind !== 'file') {
      for (const l of objectLinks(o.id, obj)) {
        if (!l.weak && !held(l.id)) throw new CorruptObjectError(`object ${o.id} arrived before ${l.id} (${l.from}), which it needs`, { data: { id: o.id, missing: l.id } });
      }
    }
    return obj;
  }

  /** A blob's verified bytes (as a delta base): from the cache, this push, or the bucket. */
  private async loadBlob(id: Oid, sent: SentLookup): Promise<Uint8Array> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    let o = sent(id);
    if (!o && this.index.has(id)) o = decodeRecord(id, (await this.readRecords([id])).get(id)!);
    if (!o) throw new RemoteError(`delta base ${id} is neither in the remote nor sent before the delta`, { data: { id } });
    const base = o.kind === 'blob' && o.encoding === ENCODING_DELTA ? await this.loadBlob(oidFromBytes(payloadDeltaBase(o.payload, id).base), sent) : undefined;
    const obj = verifyPayload(id, o, () => base!);
    if (obj.kind !== 'blob') throw new CorruptObjectError(`object ${id} is used as a delta base but is a ${obj.kind}`, { data: { id } });
    this.cache.remember(id, obj.data);
    return obj.data;
  }

  async updateRefs(updates: RefUpdate[], who?: string): Promise<void> {
    for (const u of updates) checkRefName(u.name);
    const targets = updates.flatMap((u) => (u.new ? [u.new] : []));
    await this.loadIndex(false);
    if (targets.some((id) => !this.index.has(id))) await this.loadIndex(true);
    const records = await this.readRecords(targets.filter((id) => this.index.has(id)));
    for (const u of updates) {
      if (u.new === null) continue;
      const rec = records.get(u.new);
      if (!rec) throw new RemoteError(`cannot update ${u.name}: object ${u.new} was not received`, { data: { ref: u.name, id: u.new } });
      const kind = decodeRecord(u.new, rec).kind;
      if (u.name.startsWith(BRANCH_PREFIX) && kind !== 'commit') throw new InvalidInputError(`cannot point branch ${u.name} at a ${kind}`);
    }
    await this.requireConditionalWrites();
    for (let attempt = 0; attempt < REF_ATTEMPTS; attempt++) {
      const cur = await this.readRefs();
      const doc: RefsDoc = cur ? { ...cur.doc, refs: { ...cur.doc.refs } } : { format: S3_REMOTE_FORMAT, head: null, refs: {} };
      for (const u of updates) {
        const found = doc.refs[u.name] ?? null;
        if (found !== u.old) {
          throw new ConflictError(`${u.name} changed on the remote while pushing (expected ${short(u.old)}, found ${short(found)})`, {
            data: { ref: u.name, expected: u.old, found },
            hint: 'fetch, integrate the new commits (`dv pull`), then push again',
          });
        }
        if (u.new === null) delete doc.refs[u.name];
        else doc.refs[u.name] = u.new;
      }
      if (doc.head === null || !(doc.head in doc.refs)) doc.head = pickHead(doc.refs);
      const body = encodeRefsDoc(doc);
      try {
        const etag = cur ? (this.ifMatchBare ? bareEtag(cur.etag) : cur.etag) : undefined;
        await this.bucket.put(this.key('refs.json'), body, etag !== undefined ? { ifMatch: etag } : { ifNoneMatch: '*' });
      } catch (err) {
        if (!(err instanceof PreconditionFailed)) throw err;
        // Some servers (Ceph RGW before Squid) compare If-Match without the quotes S3 puts around an ETag:
        // when the document is unchanged, say the ETag again without them.
        if (cur && !this.ifMatchBare) {
          const again = await this.readRefs();
          if (again && bareEtag(again.etag) === bareEtag(cur.etag)) { this.ifMatchBare = true; continue; }
        }
        await sleep(10 + Math.random() * 40 * (attempt + 1));
        continue;
      }
      await this.writeLog(updates, who);
      return;
    }
    throw new RemoteError(`the refs at ${this.where('refs.json')} kept changing while pushing; nothing was updated`, { hint: 'push again' });
  }

  /**
   * Refuses to move refs on a server that ignores conditional writes (s3rver and other
   * simple emulators do): there, two pushers could both win and one would lose commits.
   */
  private async requireConditionalWrites(): Promise<void> {
    if (this.conditionalChecked) return;
    const probe = this.key(`probes/${randomBytes(12).toString('hex')}`);
    await this.bucket.put(probe, Buffer.from('probe\n'), { ifNoneMatch: '*' });
    try {
      await this.bucket.put(probe, Buffer.from('probe again\n'), { ifNoneMatch: '*' });
      throw new RemoteError(`the S3 server for ${this.where('')} ignores conditional writes (If-None-Match), so concurrent pushes could lose commits; refusing to update refs`, {
        hint: 'use a server that honours conditional writes: AWS S3, MinIO or Ceph RGW',
      });
    } catch (err) {
      if (!(err instanceof PreconditionFailed)) throw err;
    } finally {
      await this.bucket.delete(probe).catch(() => undefined);
    }
    this.conditionalChecked = true;
  }

  /** Appends an entry to the update log (logs/): who moved which refs, when. */
  private async writeLog(updates: RefUpdate[], who: string | undefined): Promise<void> {
    const ms = Date.now();
    const entry = { ms, who: who ?? null, updates: updates.map((u) => ({ ref: u.name, old: u.old, new: u.new })) };
    const name = `${String(ms).padStart(13, '0')}-${randomBytes(8).toString('hex')}.json`;
    await this.bucket.put(this.key(`logs/${name}`), Buffer.from(JSON.stringify(entry) + '\n'), { ifNoneMatch: '*' });
  }

  private async readRefs(): Promise<{ doc: RefsDoc; etag: string } | undefined> {
    const got = await this.bucket.get(this.key('refs.json'));
    return got ? { doc: parseRefsDoc(this.where('refs.json'), got.body), etag: got.etag } : undefined;
  }

  async close(): Promise<void> {
    this.bucket.close();
  }
}

/** The pack size a push fills before uploading: DV_S3_PACK_SIZE (e.g. `16M`), else 64 MiB. */
function packSize(raw: string | undefined): number {
  if (raw === undefined || raw === '') return PACK_BYTES;
  const n = parseByteSize(raw);
  if (n === undefined || n < 4096) throw new UsageError(`DV_S3_PACK_SIZE needs a size of at least 4K (e.g. 16M), got ${JSON.stringify(raw)}`);
  return n;
}

function checkRefName(name: string): void {
  const isBranch = name.startsWith(BRANCH_PREFIX);
  if (!isBranch && !name.startsWith(TAG_PREFIX)) throw new InvalidInputError(`refusing to update ${name}: only refs/heads/ and refs/tags/ can be pushed`);
  parseShortRefName(name.slice(isBranch ? BRANCH_PREFIX.length : TAG_PREFIX.length), isBranch ? 'branch' : 'tag');
}

/** The branch a new remote's HEAD names: main when there is one, else the first branch. */
function pickHead(refs: Record<string, Oid>): string | null {
  if (`${BRANCH_PREFIX}main` in refs) return `${BRANCH_PREFIX}main`;
  return Object.keys(refs).sort().find((r) => r.startsWith(BRANCH_PREFIX)) ?? null;
}

function bareEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

function short(v: Oid | null): string {
  return v ? v.slice(0, 12) : 'none';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `fn` over items with at most `limit` at a time; the first failure fails the whole. */
async function parallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}
