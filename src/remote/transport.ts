import type { Oid } from '../hash/index.js';
import type { ObjectKind } from '../objects/index.js';
import type { CommitHistory } from './commit-history.js';

/**
 * One object as stored: its id and its stored payload (raw, zstd, or a zstd delta
 * naming its base — see spec/storage.md). The receiver verifies it against id.
 */
export interface WireObject { id: Oid; kind: ObjectKind; encoding: number; payload: Uint8Array }

/**
 * What a push, fetch or clone reports as objects move (the CLI draws a progress line from
 * it on a terminal). A fetch learns what it needs generation by generation, so the count
 * `expect` announces grows as it goes.
 */
export interface TransferEvents {
  /** `n` more objects are known to be on their way. */
  expect?(n: number): void;
  /** One object moved; `bytes`: the size of its payload. */
  moved?(bytes: number): void;
}

/** A compare-and-swap ref update: `old` null = must not exist; `new` null = delete. */
export interface RefUpdate { name: string; old: Oid | null; new: Oid | null }

/** Ids asked in one `hasObjects` call at most (callers split longer lists). */
export const HAVE_BATCH = 10_000;

/**
 * The other side of a push, fetch or clone. Every transport (path, http, s3) passes one
 * shared test suite (test/remote/transport-suite.ts).
 *
 * The store invariant both sides keep: an object is only stored after everything it
 * refers to (children, chunks, a delta's base), so holding an object means holding all
 * of it. Senders therefore send referents first (collectObjects orders them so).
 */
/** A remote's refs: full ref names (refs/heads/…, refs/tags/…) → ids, plus HEAD's target branch if known. */
export interface RemoteRefs { refs: Map<string, Oid>; head: string | null }

export interface Transport {
  listRefs(): Promise<RemoteRefs>;
  /** For each id, whether the remote holds it (complete: with its delta base). Batched by caller (≤ HAVE_BATCH). */
  hasObjects(ids: Oid[]): Promise<boolean[]>;
  /**
   * Streams exactly the given objects, in the given order, as stored: a delta arrives as
   * a delta and names its base, which the receiver asks for when it lacks it. An id the
   * remote does not hold is an error (RemoteError), not a silent skip.
   */
  getObjects(ids: Oid[]): AsyncIterable<WireObject>;
  /**
   * Stores objects; every one verified against its id before it is stored (a delta's
   * base must be held already or come earlier in the stream). What arrived before an
   * interruption stays stored, so a retry need not send it again.
   */
  putObjects(objects: AsyncIterable<WireObject>): Promise<void>;
  /**
   * The commits reachable from `tips`, each with its parents, walked no further than the
   * ids in `stop` (what the asker holds), so a fetch asks for a long history in a few
   * requests instead of one per generation. Only a hint: every commit is still fetched
   * and verified, and a commit the answer leaves out (an older server, an S3 pack
   * written before indexes listed commits) is found by walking generation by generation.
   * Optional: a bundle, read locally, costs no round trips to walk.
   */
  history?(tips: Oid[], stop: Oid[]): Promise<CommitHistory>;
  /** All-or-nothing CAS ref updates; a stale `old` throws ConflictError naming the ref. */
  updateRefs(updates: RefUpdate[], who?: string): Promise<void>;
  close(): Promise<void>;
}
