import { createPieceHasher, type Oid } from '../hash/index.js';
import { chunkOffsets, type FileObject } from '../objects/index.js';
import { NativeVerifier, recordKind, type ObjectStore, type StoredLink } from '../store/index.js';

/** Chunks handed to the verifier's threads before waiting for them (bounds the memory of the queue). */
const WINDOW_CHUNKS = 2048;

export interface VerifyContentsOptions {
  /** Called once with the bytes of content to check. */
  onStart?: (totalBytes: number) => void;
  /** Called with the content bytes of each chunk checked (once per place it fills). */
  onBytes?: (n: number) => void;
}

/**
 * Checks the content of every stored multi-chunk file on the native verifier's threads:
 * each chunk is decoded from its pack there and checked against its id (delta bases
 * too), and hashed into the pieces of the places it fills; the pieces join here, in
 * order, into the file's content hash. Resolves with the ids found right: the files
 * whose content matched, and every chunk and delta base decoded on the way. Anything
 * else (no native addon, a chunk stored inline or one that did not read back right, a
 * mismatch) is left out for fsck's own check, which names the culprit.
 */
export async function verifyContentsOnThreads(store: ObjectStore, opts: VerifyContentsOptions = {}): Promise<Set<Oid>> {
  const verified = new Set<Oid>();
  // Undefined without the addon, which piece hashing needs too.
  const verifier = NativeVerifier.create();
  if (!verifier) return verified;
  const files = [...storedFiles(store)];
  opts.onStart?.(files.reduce((sum, f) => sum + f.file.size, 0));
  let queued = 0;
  for (const { id, file } of files) {
    queued += checkFile(store, verifier, id, file, verified, opts.onBytes);
    if (queued >= WINDOW_CHUNKS) {
      await verifier.drain();
      queued = 0;
    }
  }
  await verifier.drain();
  return verified;
}

/** The multi-chunk files stored, with their chunk lists (a file object that does not read is fsck's to report). */
function* storedFiles(store: ObjectStore): Generator<{ id: Oid; file: FileObject }> {
  for (const id of store.allIds()) {
    const rec = store.getRecord(id);
    try {
      if (!rec || recordKind(rec, id) !== 'file') continue;
      const obj = store.read(id);
      if (obj.kind === 'file') yield { id, file: obj.file };
    } catch {
      // Damaged: the main check reports it.
    }
  }
}

/**
 * Queues one file's chunks (each distinct chunk once, for all its places); adds to
 * `verified` each chunk found right with the bases under it, and the file once every
 * piece came back and they hash to `id`. Returns how many chunks it queued.
 */
function checkFile(store: ObjectStore, verifier: NativeVerifier, id: Oid, file: FileObject, verified: Set<Oid>, onBytes?: (n: number) => void): number {
  const places = new Map<Oid, number[]>();
  file.chunks.forEach((c, i) => {
    const list = places.get(c.id);
    if (list) list.push(i);
    else places.set(c.id, [i]);
  });
  // Everything is known before anything is queued, so a file given up on queues nothing.
  const jobs: Array<{ chunk: Oid; indexes: number[]; size: number; chain: StoredLink[] }> = [];
  for (const [chunk, indexes] of places) {
    const size = file.chunks[indexes[0]!]!.size;
    const chain = store.storedChain(chunk);
    if (!chain || indexes.some((i) => file.chunks[i]!.size !== size)) return 0;
    jobs.push({ chunk, indexes, size, chain });
  }
  const offsets = chunkOffsets(file);
  const pieces: Uint8Array[] = new Array(file.chunks.length);
  let left = jobs.length;
  let failed = false;
  for (const { chunk, indexes, size, chain } of jobs) {
    const uses = indexes.map((i) => ({ offset: offsets[i]!, contentSize: file.size }));
    verifier.verifyStored(chunk, chain, { uses, size }, (result, err) => {
      onBytes?.(size * indexes.length);
      if (err || !result?.pieces) failed = true;
      else {
        // Every link of the chain was checked against its id as it was decoded.
        for (const link of chain) verified.add(link.id);
        indexes.forEach((i, k) => { pieces[i] = result.pieces![k]!; });
      }
      if (--left > 0 || failed) return;
      const hasher = createPieceHasher();
      for (const p of pieces) hasher.add(p);
      if (hasher.digest() === id) verified.add(id);
    });
  }
  return jobs.length;
}
