import { createPieceHasher, type Oid } from '../hash/index.js';
import { chunkOffsets, type FileObject } from '../objects/index.js';
import type { NativeVerifier } from './native-verifier.js';
import type { VerifiedBlob } from './store-pool.js';
import type { ObjectStore } from './object-store.js';
import { ENCODING_RAW } from './record.js';

export interface FileOnThreadsOptions {
  /** A file (already created) to write the content into, each chunk at its offset. */
  path?: string;
  /** Called with the content bytes of each chunk done (once per place it fills). */
  onBytes?: (n: number) => void;
  /** Called with the ids of a chunk and its delta bases, every one decoded and found right. */
  onVerified?: (ids: Oid[]) => void;
}

/** A file's chunks queued on the native threads: how many jobs, and whether the whole content checked out. */
export interface FileOnThreads {
  jobs: number;
  /** True when every chunk decoded right (and was written, with `path`) and the pieces hash to the file's id. */
  done: Promise<boolean>;
}

/**
 * Decodes a stored multi-chunk file on the native verifier's threads: each distinct chunk
 * is read from its pack (or handed over, when stored inline) and decoded there with its
 * delta bases, checked against its id, hashed into the pieces of the places it fills, and
 * written at those places when a `path` is given; the pieces join here, in order, into
 * the content hash. This thread only looks up and queues (the threads start on the first
 * chunks meanwhile) and joins, so a large file decodes on every core (checkout, fsck).
 * A chunk whose chain of bases runs through a delta stored inline, which the threads
 * cannot read, is read and checked here and handed over as bytes (readHere).
 *
 * `done` is false when the threads could not vouch for the whole content: a chunk that
 * cannot be decoded (a record missing or damaged, a chunk listed with two sizes:
 * queueing stops there), one that did not read back right, a failed write, a mismatch.
 * That is the caller's to look into, with the reads that name the culprit.
 */
export function decodeFileOnThreads(store: ObjectStore, verifier: NativeVerifier, id: Oid, file: FileObject, opts: FileOnThreadsOptions = {}): FileOnThreads {
  const places = new Map<Oid, number[]>();
  file.chunks.forEach((c, i) => {
    const list = places.get(c.id);
    if (list) list.push(i);
    else places.set(c.id, [i]);
  });
  const offsets = chunkOffsets(file);
  const pieces: Uint8Array[] = new Array(file.chunks.length);
  let jobs = 0;
  const done = new Promise<boolean>((resolve) => {
    let left = 0;
    let failed = false;
    /** Resolves once nothing is left in flight (and every chunk was queued, or queueing stopped). */
    const settle = (): void => {
      if (left > 0) return;
      if (failed) { resolve(false); return; }
      const hasher = createPieceHasher();
      for (const p of pieces) hasher.add(p);
      resolve(hasher.digest() === id);
    };
    for (const [chunk, indexes] of places) {
      const size = file.chunks[indexes[0]!]!.size;
      const source = store.threadSource(chunk) ?? readHere(store, chunk);
      if (!source || indexes.some((i) => file.chunks[i]!.size !== size)) { failed = true; break; }
      const uses = indexes.map((i) => ({ offset: offsets[i]!, contentSize: file.size, path: opts.path }));
      const answer = (result: VerifiedBlob | undefined, err?: Error): void => {
        opts.onBytes?.(size * indexes.length);
        if (err || !result?.pieces || result.unwritten?.some((u) => u)) failed = true;
        else {
          // The chunk and every base under it were checked against their ids as they were decoded.
          opts.onVerified?.('bytes' in source ? [chunk] : [...(source.chain ?? []).map((l) => l.id), chunk]);
          indexes.forEach((i, k) => { pieces[i] = result.pieces![k]!; });
        }
        left--;
        settle();
      };
      left++;
      jobs++;
      if ('bytes' in source) verifier.verify(chunk, ENCODING_RAW, source.bytes, { uses, size }, answer);
      else if (source.inline) verifier.verify(chunk, source.inline.encoding, source.inline.payload, { uses, size, chain: source.chain }, answer);
      else verifier.verifyStored(chunk, source.chain!, { uses, size }, answer);
    }
    verifier.flush();
    settle();
  });
  return { jobs, done };
}

/**
 * A chunk the threads cannot get at (a delta whose chain runs through a delta stored
 * inline), read and checked here, bases and all: the threads then hash and write its
 * bytes like the rest, instead of the whole file leaving the threads for it. Undefined
 * when it does not read back right (the caller's own read names the culprit).
 */
function readHere(store: ObjectStore, chunk: Oid): { bytes: Uint8Array } | undefined {
  try {
    const obj = store.read(chunk);
    return obj.kind === 'blob' ? { bytes: obj.data } : undefined;
  } catch {
    return undefined;
  }
}
