// A history of corrections travels as chains of deltas: each version's changed chunk is a
// delta against the one it replaced, and the chain is sent base first. The receiver takes
// every delta on the verifier's threads from the bytes they verified just before (not its
// whole chain again from the packs, nor on the main thread), and hashes every version's
// file as its chunks arrive (not by reading older versions' chunks back afterwards).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { hashBytes, oidToBytes, type Oid } from '../../src/hash/index.js';
import { collectObjects, importObjects, openRepositoryPath, readWireObjects, storeSource, type WireObject } from '../../src/remote/index.js';
import { initRepository } from '../../src/repo/index.js';
import { CorruptObjectError, type DvError } from '../../src/errors/index.js';
import { ENCODING_DELTA, NativeVerifier, encodeDelta, encodePayload, newTransfer, type BlobVerifier, type StoredLink, type VerifiedBlob, type VerifyRequest } from '../../src/store/index.js';
import { dv, dvOk, repoWithVersions, tmpDir } from '../helpers.js';
import { correctRows, csvBytes } from './fixtures.js';
import { dvAsync, startServe } from './serve-helpers.js';

/** Four versions of a ~0.9 MB CSV, each correcting other scattered rows of the one before. */
function versions(): Buffer[] {
  const out = [csvBytes(60_000, 7)];
  for (const every of [97, 89, 83]) out.push(correctRows(out[out.length - 1]!, every));
  return out;
}

/** Counts what an import hands to a verifier, passing everything on. */
class CountingVerifier implements BlobVerifier {
  deltas = 0;
  withoutChain = 0;
  stored = 0;
  constructor(private readonly inner: BlobVerifier) {}
  get bytesInFlight(): number { return this.inner.bytesInFlight; }
  get verifiesDeltas(): boolean { return this.inner.verifiesDeltas; }
  verify(id: Oid, encoding: number, payload: Uint8Array, req: VerifyRequest, done: (r: VerifiedBlob | undefined, err?: DvError) => void): void {
    if (encoding === ENCODING_DELTA) {
      this.deltas++;
      if (!req.chain) this.withoutChain++;
    }
    this.inner.verify(id, encoding, payload, req, done);
  }
  verifyStored(id: Oid, chain: StoredLink[], req: VerifyRequest, done: (r: VerifiedBlob | undefined, err?: DvError) => void): void {
    this.stored++;
    this.inner.verifyStored!(id, chain, req, done);
  }
  waitBelow(limit: number): Promise<void> { return this.inner.waitBelow(limit); }
  drain(): Promise<void> { return this.inner.drain(); }
  endTransfer(transfer: number): void { this.inner.endTransfer?.(transfer); }
}

test('a history of corrections is sent so each file object comes before the first of its chunks, and every delta after its base', async () => {
  const src = openRepositoryPath(repoWithVersions('data/d.csv', versions()));
  try {
    const head = src.refs.resolve('HEAD')!;
    const { ids, nodes } = await collectObjects({ source: storeSource(src.objects), has: async (q) => q.map(() => false), tips: [head] });
    const at = new Map(ids.map((id, i) => [id, i]));
    let files = 0;
    let deltas = 0;
    for (const [id, node] of nodes) {
      const links = node.links.filter((l) => at.has(l));
      if (node.kind === 'file') {
        files++;
        // Before every chunk it lists (the chunks of older versions come while the walk is in the newest).
        assert.ok(links.every((l) => at.get(l)! > at.get(id)!), `file ${id} comes before its chunks`);
      } else {
        assert.ok(links.every((l) => at.get(l)! < at.get(id)!), `${node.kind} ${id} comes after what it links to`);
        if (node.kind === 'blob' && links.length > 0) deltas++;
      }
    }
    assert.equal(files, 4);
    assert.ok(deltas > 8, `${deltas} deltas in the history`);
  } finally {
    await src.close();
  }
});

const native = NativeVerifier.create();

test('native threads: a chain of deltas sent base first is verified there from the bases they just verified, and no older chunk is read back', { skip: !native && 'the native addon is not built' }, async () => {
  const vs = versions();
  const src = openRepositoryPath(repoWithVersions('data/d.csv', vs));
  const dest = initRepository(path.join(tmpDir(), 'hub'), { bare: true });
  try {
    const head = src.refs.resolve('HEAD')!;
    const { ids } = await collectObjects({ source: storeSource(src.objects), has: async (q) => q.map(() => false), tips: [head] });
    let sentDeltas = 0;
    let deepest = 0;
    for await (const o of readWireObjects(src, ids)) {
      if (o.encoding !== ENCODING_DELTA) continue;
      sentDeltas++;
      deepest = Math.max(deepest, o.payload[0]!);
    }
    assert.ok(deepest >= 3, `chains of deltas reach depth ${deepest}`);
    const counting = new CountingVerifier(native!);
    const r = await importObjects(dest.objects, readWireObjects(src, ids), { verifier: counting });
    assert.equal(r.stored, ids.length);
    assert.equal(counting.deltas, sentDeltas, 'every delta is decoded on the threads');
    assert.equal(counting.stored, 0, 'no chunk of an older version is read back to hash its file');
    // The first delta goes with its chain (nothing is kept before a delta is seen); the rest need none.
    assert.ok(counting.withoutChain >= sentDeltas - 2, `${counting.withoutChain} of ${sentDeltas} deltas went without their chain`);
    for (const v of vs) assert.ok(dest.objects.readContentBuffer(hashBytes(v)).equals(v), 'every version reads back');
  } finally {
    await src.close();
    await dest.close();
  }
});

/** Runs one job on a verifier and waits for its answer. */
async function verifyOne(v: BlobVerifier, o: WireObject, req: VerifyRequest): Promise<{ result?: VerifiedBlob; err?: DvError }> {
  const answered = new Promise<{ result?: VerifiedBlob; err?: DvError }>((resolve) => v.verify(o.id, o.encoding, o.payload, req, (result, err) => resolve({ result, err })));
  await v.drain();
  return answered;
}

test('native threads: a delta sent without its chain decodes against a base verified in the same transfer, and is left undecided otherwise', { skip: !native && 'the native addon is not built' }, async () => {
  const base = Buffer.from(Array.from({ length: 2000 }, (_, i) => `${i},row ${i}\n`).join(''));
  const next = Buffer.from(base.toString().replace('1000,row 1000', '1000,corrected'));
  const baseObj: WireObject = { id: hashBytes(base), ...encodePayload('blob', base, true) };
  const delta = encodeDelta(next, base, oidToBytes(baseObj.id), 0)!;
  const deltaObj: WireObject = { id: hashBytes(next), kind: 'blob', encoding: delta.encoding, payload: delta.payload };
  const t1 = newTransfer();
  const t2 = newTransfer();

  assert.equal((await verifyOne(native!, deltaObj, { transfer: t1 })).result, undefined, 'nothing kept yet');
  assert.ok((await verifyOne(native!, baseObj, { transfer: t1 })).result);
  const decoded = await verifyOne(native!, deltaObj, { transfer: t1 });
  assert.ok(decoded.result?.bytes && Buffer.from(decoded.result.bytes).equals(next), 'decoded against the kept base');
  assert.equal((await verifyOne(native!, deltaObj, { transfer: t2 })).result, undefined, 'another transfer does not see it');
  assert.equal((await verifyOne(native!, deltaObj, {})).result, undefined, 'nor does a job of no transfer');

  // A delta whose bytes are not those of its id is refused, not stored.
  const lying: WireObject = { ...deltaObj, id: hashBytes(crypto.randomBytes(16)) };
  const refused = await verifyOne(native!, lying, { transfer: t1 });
  assert.ok(refused.err instanceof CorruptObjectError, String(refused.err));

  native!.endTransfer(t1);
  assert.equal((await verifyOne(native!, deltaObj, { transfer: t1 })).result, undefined, 'forgotten once the transfer ended');
});

test('four versions of a file pushed to dv serve and cloned back: both sides check out every version byte for byte and fsck clean', async () => {
  const vs = versions();
  const src = repoWithVersions('data/d.csv', vs);
  const root = tmpDir();
  const hub = path.join(root, 'hub');
  dvOk(root, ['init', '--bare', hub]);
  const s = await startServe(['--port', '0', hub], root);
  try {
    dvOk(src, ['remote', 'add', 'hub', `${s.url}/hub`]);
    const pushed = await dvAsync(src, ['push', 'hub', 'main']);
    assert.equal(pushed.code, 0, pushed.stderr);
    const cloned = await dvAsync(root, ['clone', `${s.url}/hub`, 'c']);
    assert.equal(cloned.code, 0, cloned.stderr);
  } finally {
    await s.stop();
  }
  const clone = path.join(root, 'c');
  for (const dir of [hub, clone]) assert.equal(dv(dir, ['fsck']).code, 0, `fsck of ${dir}`);
  vs.forEach((v, i) => {
    const rev = `main${'~'.repeat(vs.length - 1 - i)}`;
    assert.ok(Buffer.from(dvOk(clone, ['cat', `${rev}:data/d.csv`]), 'utf8').equals(v), `version ${i + 1} in the clone`);
  });
});
