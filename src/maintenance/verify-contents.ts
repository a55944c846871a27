import type { Oid } from '../hash/index.js';
import type { FileObject } from '../objects/index.js';
import { decodeFileOnThreads, NativeVerifier, recordKind, type ObjectStore } from '../store/index.js';

/** Chunks handed to the verifier's threads before waiting for them (bounds the memory of the queue). */
const WINDOW_CHUNKS = 2048;

export interface VerifyContentsOptions {
  /** Called once with the bytes of content to check. */
  onStart?: (totalBytes: number) => void;
  /** Called with the content bytes of each chunk checked (once per place it fills). */
  onBytes?: (n: number) => void;
}

/**
 * Checks the content of every stored multi-chunk file on the native verifier's threads
 * (decodeFileOnThreads: every chunk and delta base checked against its id there, the
 * pieces joined here into the file's content hash). Resolves with the ids found right: the files
 * whose content matched, and every chunk and delta base decoded on the way. Anything
 * else (no native addon, a chunk that did not read back right, a
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
  const checks: Array<Promise<void>> = [];
  for (const { id, file } of files) {
    const queuedFile = decodeFileOnThreads(store, verifier, id, file, {
      onBytes: opts.onBytes,
      onVerified: (ids) => { for (const ok of ids) verified.add(ok); },
    });
    checks.push(queuedFile.done.then((ok) => { if (ok) verified.add(id); }));
    queued += queuedFile.jobs;
    if (queued >= WINDOW_CHUNKS) {
      await verifier.drain();
      queued = 0;
    }
  }
  await verifier.drain();
  await Promise.all(checks);
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
