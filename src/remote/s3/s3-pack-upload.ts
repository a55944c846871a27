import { randomBytes } from 'node:crypto';
import type { Oid } from '../../hash/index.js';
import { inlineRecordHead } from '../../store/index.js';
import type { CommitHistory } from '../commit-history.js';
import type { WireObject } from '../transport.js';
import { encodePackIndex } from './s3-pack.js';

export interface PackContents {
  name: string;
  body: Buffer;
  entries: Array<{ id: Oid; offset: number; length: number }>;
  commits: CommitHistory;
  objects: Map<Oid, WireObject>;
}

/** Objects collected for one pack, in arrival order (records as in spec/s3-remote.md). */
export class PackBuilder {
  private parts: Uint8Array[] = [];
  private entries: Array<{ id: Oid; offset: number; length: number }> = [];
  private commits: CommitHistory = new Map();
  private byId = new Map<Oid, WireObject>();
  size = 0;

  get count(): number { return this.entries.length; }
  has(id: Oid): boolean { return this.byId.has(id); }
  get(id: Oid): WireObject | undefined { return this.byId.get(id); }

  /** Adds an object; a commit comes with its parents, for the index's commit list. */
  add(o: WireObject, parents?: Oid[]): void {
    // The record is [kind][encoding][payload]: the payload is copied once, when the pack is joined.
    const head = inlineRecordHead(o);
    const length = head.length + o.payload.length;
    if (parents) this.commits.set(o.id, parents);
    this.entries.push({ id: o.id, offset: this.size, length });
    this.parts.push(head, o.payload);
    this.byId.set(o.id, o);
    this.size += length;
  }

  /** The pack so far, named and joined; the builder starts empty again. */
  take(): PackContents {
    const out = {
      name: `${String(Date.now()).padStart(13, '0')}-${randomBytes(8).toString('hex')}`,
      body: Buffer.concat(this.parts, this.size), entries: this.entries, commits: this.commits, objects: this.byId,
    };
    this.parts = [];
    this.entries = [];
    this.commits = new Map();
    this.byId = new Map();
    this.size = 0;
    return out;
  }
}

/** Where uploads go: a pack body, then its index (written only if absent). */
export interface PackSink {
  putPack(name: string, body: Buffer): Promise<void>;
  putIndex(name: string, index: Buffer): Promise<void>;
  /** Called once a pack's index is written: its objects are held from then on. */
  indexed(pack: PackContents): void;
}

/**
 * Uploads packs while the next one fills, at most `limit` at once. Bodies go up side by
 * side, but a pack's index is written only after the index of the pack before it, so
 * what the bucket lists as held is always a prefix of the push: an object counts as held
 * only with everything it refers to, which a retry after an interruption relies on. A
 * failed upload fails every later one before its index is written.
 */
export class PackUploader {
  private readonly inFlight: Array<{ pack: PackContents; done: Promise<void> }> = [];
  private lastIndex: Promise<void> = Promise.resolve();

  constructor(private readonly sink: PackSink, private readonly limit: number) {}

  /** An object in a pack on its way up (not yet listed as held). */
  get(id: Oid): WireObject | undefined {
    for (const u of this.inFlight) {
      const o = u.pack.objects.get(id);
      if (o) return o;
    }
    return undefined;
  }

  has(id: Oid): boolean { return this.get(id) !== undefined; }

  /** Starts uploading what the builder holds, once fewer than `limit` uploads are going. */
  async upload(builder: PackBuilder): Promise<void> {
    if (builder.count === 0) return;
    while (this.inFlight.length >= this.limit) {
      await this.inFlight[0]!.done;
      this.inFlight.shift();
    }
    const pack = builder.take();
    const body = this.sink.putPack(pack.name, pack.body);
    const before = this.lastIndex;
    const done = (async () => {
      await body;
      await before;
      await this.sink.putIndex(pack.name, encodePackIndex(pack.entries, pack.body.length, pack.commits));
      this.sink.indexed(pack);
    })();
    // Whoever waits sees the failure; until then it must not count as unhandled.
    done.catch(() => undefined);
    this.lastIndex = done;
    this.inFlight.push({ pack, done });
  }

  /** Waits for every upload; throws the first failure. */
  async finish(): Promise<void> {
    try {
      await this.lastIndex;
    } finally {
      this.inFlight.length = 0;
    }
  }

  /** Waits for every upload, ignoring failures (after another error). */
  async settle(): Promise<void> {
    await this.finish().catch(() => undefined);
  }
}
