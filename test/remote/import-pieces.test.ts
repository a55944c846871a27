// The verifying import hashes a file's chunks on other threads (native ones, or store
// workers) as pieces of the file's hash, and writes them into a tapped file there:
// whatever order the chunks come in, repeated chunks, chunks verified on the main thread,
// lying file objects and failed writes must all end as they would with every byte hashed
// in order on one thread. Each test runs with each verifier this machine has.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { canHashInPieces, hashBytes, type Oid } from '../../src/hash/index.js';
import { encodeFileObject, type FileObject } from '../../src/objects/index.js';
import { ObjectImporter, importObjects, type ContentTap, type WireObject } from '../../src/remote/index.js';
import { initRepository, type Repository } from '../../src/repo/index.js';
import { ENCODING_RAW, NativeVerifier, StorePool, encodePayload, type BlobVerifier } from '../../src/store/index.js';
import { tmpDir } from '../helpers.js';

/** Chunks A (64 KiB), B (30 KiB), A again, C (1,000 bytes: verified on the main thread) and D (40 KiB of text). */
function content(): { chunks: Buffer[]; file: FileObject; id: Oid; whole: Buffer } {
  const a = crypto.randomBytes(65_536);
  const d = Buffer.from('row,value\n'.repeat(4096));
  const chunks = [a, crypto.randomBytes(30_000), a, crypto.randomBytes(1000), d];
  const whole = Buffer.concat(chunks);
  const file = { size: whole.length, chunks: chunks.map((c) => ({ id: hashBytes(c), size: c.length })) };
  return { chunks, file, id: hashBytes(whole), whole };
}

function blob(bytes: Buffer): WireObject {
  // A copy: an incompressible payload is the bytes themselves, and a payload handed to a worker moves there.
  const p = encodePayload('blob', Buffer.from(bytes), true);
  return { id: hashBytes(bytes), kind: 'blob', encoding: p.encoding, payload: p.payload };
}

function fileObject(id: Oid, file: FileObject): WireObject {
  return { id, kind: 'file', encoding: ENCODING_RAW, payload: encodeFileObject(file) };
}

async function* stream(objects: WireObject[]): AsyncGenerator<WireObject> {
  for (const o of objects) yield o;
}

function freshRepo(): Repository {
  return initRepository(path.join(tmpDir(), 'r'), { bare: true });
}

/** Distinct blobs of the content, in chunk order. */
function blobs(chunks: Buffer[]): WireObject[] {
  const seen = new Set<Oid>();
  return chunks.map(blob).filter((o) => !seen.has(o.id) && seen.add(o.id));
}

/** A tap that writes into `dir` and records how each file ended. */
function recordingTap(dir: string, wanted: Oid): ContentTap & { ended: Map<Oid, boolean> } {
  const ended = new Map<Oid, boolean>();
  return {
    ended,
    wants: (id) => id === wanted,
    start: (id) => { if (fs.existsSync(dir)) fs.writeFileSync(path.join(dir, id), ''); },
    pathOf: (id) => path.join(dir, id),
    write: (id, bytes, position) => {
      if (!fs.existsSync(dir)) return; // as PreparedContent: a failed write fails the prepared copy, not the transfer
      const fd = fs.openSync(path.join(dir, id), 'r+');
      try { fs.writeSync(fd, bytes, 0, bytes.length, position); } finally { fs.closeSync(fd); }
    },
    end: (id, verified) => { ended.set(id, verified); },
  };
}

const verifiers: Array<[string, BlobVerifier | null | undefined]> = [
  ['native threads', NativeVerifier.create()],
  ['store workers', StorePool.forStore(path.join(tmpDir(), 'probe'))],
  ['the main thread', null],
];

for (const [where, verifier] of verifiers) {
  if (verifier === undefined) continue;
  test(`${where}: a file imports whole whatever order its chunks and its object come in, repeated chunks included`, async () => {
    const { chunks, file, id, whole } = content();
    // Fresh objects for each import, for the same reason.
    const orders: Array<(a: WireObject, b: WireObject, c: WireObject, d: WireObject, f: WireObject) => WireObject[]> = [
      (a, b, c, d, f) => [f, a, b, c, d], // the sending order: the file object just before its chunks
      (a, b, c, d, f) => [d, b, f, c, a], // some chunks first, the rest out of order
      (a, b, c, d, f) => [a, b, c, d, f], // every chunk held before the file arrives
    ];
    for (const [i, arrange] of orders.entries()) {
      const [a, b, c, d] = blobs(chunks);
      const order = arrange(a!, b!, c!, d!, fileObject(id, file));
      const repo = freshRepo();
      try {
        const r = await importObjects(repo.objects, stream(order), { verifier });
        assert.equal(r.stored, 5, `order ${i}`);
        assert.ok(Buffer.from(repo.objects.readContentBuffer(id)).equals(whole), `order ${i}: the content reads back`);
      } finally {
        await repo.close();
      }
    }
  });

  test(`${where}: a file object whose content does not hash to its id is refused and not stored`, async () => {
    const { chunks, file, id } = content();
    // The same chunks listed in another order: every chunk verifies, the whole does not.
    const swapped = { size: file.size, chunks: [file.chunks[1]!, file.chunks[0]!, ...file.chunks.slice(2)] };
    const repo = freshRepo();
    try {
      await assert.rejects(importObjects(repo.objects, stream([fileObject(id, swapped), ...blobs(chunks)]), { verifier }), /object [0-9a-f]{64} is corrupt: its content hashes to/);
      assert.equal(repo.objects.has(id), false);
    } finally {
      await repo.close();
    }
  });

  test(`${where}: a file object that lists one chunk with two sizes is refused`, async () => {
    const { chunks, file, id } = content();
    // Chunk A's second place claims 100 bytes; the total is made to add up so only the sizes disagree.
    const lying = { size: file.size - 65_536 + 100, chunks: file.chunks.map((c, i) => (i === 2 ? { ...c, size: 100 } : c)) };
    const repo = freshRepo();
    try {
      await assert.rejects(importObjects(repo.objects, stream([fileObject(id, lying), ...blobs(chunks)]), { verifier }), /has the wrong size for file/);
      assert.equal(repo.objects.has(id), false);
    } finally {
      await repo.close();
    }
  });

  test(`${where}: a tapped file is written whole by the verifying threads and the main thread together, and ends verified`, async () => {
    const { chunks, file, id, whole } = content();
    const dir = tmpDir();
    const tap = recordingTap(dir, id);
    const repo = freshRepo();
    try {
      const imp = new ObjectImporter(repo.objects, { tap, verifier });
      for (const o of [fileObject(id, file), ...blobs(chunks)]) await imp.add(o);
      await imp.finish();
      assert.equal(tap.ended.get(id), true);
      assert.ok(fs.readFileSync(path.join(dir, id)).equals(whole));
    } finally {
      await repo.close();
    }
  });

  test(`${where}: a file whose chunks are already stored here is checked, and written out, from the store`, async () => {
    const { chunks, file, id, whole } = content();
    const repo = freshRepo();
    try {
      // The chunks come (and are committed) first, as after an earlier transfer; then the file.
      await importObjects(repo.objects, stream(blobs(chunks)), { verifier });
      const dir = tmpDir();
      const tap = recordingTap(dir, id);
      const imp = new ObjectImporter(repo.objects, { tap, verifier });
      await imp.add(fileObject(id, file));
      await imp.finish();
      assert.equal(tap.ended.get(id), true);
      assert.ok(fs.readFileSync(path.join(dir, id)).equals(whole));
      assert.equal(repo.objects.has(id), true);
      // A file object that lists a stored chunk with another size is still refused.
      const lying = { size: file.size - 65_536 + 100, chunks: file.chunks.map((c, i) => (i === 2 ? { ...c, size: 100 } : c)) };
      await assert.rejects(importObjects(repo.objects, stream([fileObject(hashBytes(Buffer.from('other')), lying)]), { verifier }), /has the wrong size for file|is corrupt/);
    } finally {
      await repo.close();
    }
  });

  test(`${where}: a stored chunk that no longer reads back right fails the file with this repository's damage`, async () => {
    const { chunks, file, id } = content();
    const repo = freshRepo();
    try {
      await importObjects(repo.objects, stream(blobs(chunks)), { verifier });
      const damaged = repo.objects.storedChain(file.chunks[1]!.id)!.at(-1)!;
      const fd = fs.openSync(damaged.path, 'r+');
      fs.writeSync(fd, Buffer.alloc(32, 0x44), 0, 32, damaged.offset + 100);
      fs.closeSync(fd);
      await assert.rejects(importObjects(repo.objects, stream([fileObject(id, file)]), { verifier }), (err: Error & { hint?: string }) => err.message.includes(file.chunks[1]!.id) && /fsck/.test(err.hint ?? ''));
      assert.equal(repo.objects.has(id), false);
    } finally {
      await repo.close();
    }
  });

  // Only a verifier's threads write into the file; on the main thread every write goes through the tap.
  if (verifier && canHashInPieces()) test(`${where}: when a verifying thread cannot write a tapped file, the file is stored but its prepared copy ends unverified`, async () => {
    const { chunks, file, id } = content();
    const tap = recordingTap(path.join(tmpDir(), 'missing'), id);
    const repo = freshRepo();
    try {
      const imp = new ObjectImporter(repo.objects, { tap, verifier });
      for (const o of [fileObject(id, file), ...blobs(chunks)]) await imp.add(o);
      await imp.finish();
      assert.equal(tap.ended.get(id), false, 'the checkout then reads it from the store');
      assert.equal(repo.objects.has(id), true);
    } finally {
      await repo.close();
    }
  });
}
