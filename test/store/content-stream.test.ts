import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { hashBytes, type Oid } from '../../src/hash/index.js';
import { openRepository } from '../../src/repo/index.js';
import { streamsOnWorker } from '../../src/store/index.js';
import { encodePayload, inlineRecord } from '../../src/store/record.js';
import { bigCsv, corruptPacks, dv, dvOk, repoWithVersions, tmpDir } from '../helpers.js';

test('a large file read ahead on a worker yields its exact content, as copies or as transient views, and stops cleanly', async () => {
  const content = bigCsv(11);
  const dir = repoWithVersions('data.csv', [content]);
  const repo = openRepository(dir);
  try {
    const id = hashBytes(content);
    const obj = repo.objects.read(id);
    assert.equal(obj.kind, 'file');
    assert.ok(obj.kind === 'file' && streamsOnWorker(obj.file.size, obj.file.chunks), 'this file takes the worker path');
    // Copies stay valid after the next piece arrives.
    const kept = [...repo.objects.readContentSync(id)];
    assert.ok(Buffer.concat(kept).equals(content));
    // Transient views, each used before the next.
    const parts: Buffer[] = [];
    for (const piece of repo.objects.readContentSync(id, { transient: true })) parts.push(Buffer.from(piece));
    assert.ok(Buffer.concat(parts).equals(content));
    // Stopping early, then reading again (the worker is reused).
    let n = 0;
    for (const _ of repo.objects.readContentSync(id, { transient: true })) if (++n === 3) break;
    assert.ok(repo.objects.readContentBuffer(id).equals(content));
  } finally {
    await repo.close();
  }
});

test('checkout of a large file through the worker: identical bytes; DV_THREADS=0 writes the same', () => {
  const content = bigCsv(12);
  const dir = repoWithVersions('data.csv', [content]);
  for (const env of [{}, { DV_THREADS: '0' }]) {
    fs.rmSync(path.join(dir, 'data.csv'));
    dvOk(dir, ['checkout', '--', 'data.csv'], { env });
    assert.ok(fs.readFileSync(path.join(dir, 'data.csv')).equals(content));
  }
});

test('a damaged chunk read on the worker fails with its id and leaves the good file in place', () => {
  const content = bigCsv(13);
  const dir = repoWithVersions('data.csv', [content]);
  fs.writeFileSync(path.join(dir, 'data.csv'), 'id\n1\n');
  corruptPacks(dir);
  const r = dv(dir, ['checkout', '--force', 'HEAD', '--', 'data.csv']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^dv: object [0-9a-f]{64} (is corrupt|does not decompress|has the wrong size)/m);
  assert.equal(fs.readFileSync(path.join(dir, 'data.csv'), 'utf8'), 'id\n1\n');
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('dv-tmp')), []);
  const out = path.join(tmpDir(), 'out');
  assert.equal(dv(dir, ['export', 'HEAD', out]).code, 1);
});

test('a chunk that decodes cleanly but to other bytes is caught by the reading thread, with its id', async () => {
  const content = bigCsv(14);
  const dir = repoWithVersions('data.csv', [content]);
  const repo = openRepository(dir);
  let victim: Oid;
  try {
    const obj = repo.objects.read(hashBytes(content));
    assert.ok(obj.kind === 'file' && streamsOnWorker(obj.file.size, obj.file.chunks));
    // Chunk 5's record now holds a valid zstd frame of its bytes with one byte changed:
    // it decodes to the right size, only the hash can tell.
    victim = obj.file.chunks[5]!.id;
    const bytes = Buffer.from((repo.objects.read(victim) as { data: Uint8Array }).data);
    bytes[100]! ^= 1;
    await repo.env.objects.put(Buffer.from(victim, 'hex'), inlineRecord(encodePayload('blob', bytes, true)));
  } finally {
    await repo.close();
  }
  const out = path.join(tmpDir(), 'out');
  const r = dv(dir, ['export', 'HEAD', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^dv: object ${victim} is corrupt: its bytes hash to [0-9a-f]{64}`, 'm'));
});
