import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openRepository } from '../../src/repo/index.js';
import { hashBytes } from '../../src/hash/index.js';
import { packPath } from '../../src/store/pack-store.js';
import { dv, dvOk, makeRepo } from '../helpers.js';

/** A deterministic CSV of about 10 MiB (enough to start the encode workers); `edit` rewrites every 89th row. */
function csv(edit: number): Buffer {
  const rows: string[] = ['id,station,reading'];
  let s = 777;
  for (let i = 0; i < 520_000; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    rows.push(`${i},st${s % 211},${edit > 0 && i % 89 === 3 ? `fix${edit}` : s % 99991}`);
  }
  return Buffer.from(rows.join('\n') + '\n');
}

/** Stored encoding and payload of every chunk of `content`, by chunk id. */
async function chunkPayloads(dir: string, content: Buffer): Promise<Map<string, string>> {
  const repo = openRepository(dir);
  try {
    const obj = repo.objects.read(hashBytes(content));
    assert.equal(obj.kind, 'file');
    const out = new Map<string, string>();
    if (obj.kind !== 'file') return out;
    for (const c of obj.file.chunks) {
      const p = repo.objects.readPayload(c.id)!;
      out.set(c.id, `${p.encoding & 0x7f}:${Buffer.from(p.payload).toString('base64')}`);
    }
    return out;
  } finally {
    await repo.close();
  }
}

test('encode workers store exactly what the main thread stores, deltas included', async () => {
  const v1 = csv(0);
  const v2 = csv(1);
  assert.ok(v1.length > 8 * 1024 * 1024);
  const stores: Array<Map<string, string>> = [];
  for (const threads of ['0', '2']) {
    const env = { DV_THREADS: threads };
    const dir = makeRepo({ 'data.csv': v1 });
    dvOk(dir, ['add', 'data.csv'], { env });
    dvOk(dir, ['commit', '-m', 'v1'], { env });
    fs.writeFileSync(path.join(dir, 'data.csv'), v2);
    const added = JSON.parse(dvOk(dir, ['add', 'data.csv', '--json'], { env })) as { encodeThreads: number };
    assert.equal(added.encodeThreads, Number(threads));
    dvOk(dir, ['commit', '-m', 'v2'], { env });
    assert.match(dvOk(dir, ['fsck']), /0 dangling/);
    const payloads = await chunkPayloads(dir, v2);
    const deltas = [...payloads.values()].filter((p) => p.startsWith('2:')).length;
    assert.ok(deltas > payloads.size / 2, `${deltas} of ${payloads.size} chunks of the correction are deltas (threads ${threads})`);
    stores.push(payloads);
  }
  assert.deepEqual(stores[1], stores[0]);
});

test('a corrupt delta base read by an encode worker fails the add cleanly, index untouched', async () => {
  const v1 = csv(0);
  const dir = makeRepo({ 'data.csv': v1 });
  dvOk(dir, ['add', 'data.csv']);
  dvOk(dir, ['commit', '-m', 'v1']);
  // Damage the middle of every chunk's packed payload, and nothing else: the file object
  // must still read, so the damage is met where a worker reads a chunk as a delta base.
  const repo = openRepository(dir);
  try {
    const obj = repo.objects.read(hashBytes(v1));
    assert.equal(obj.kind, 'file');
    if (obj.kind !== 'file') return;
    for (const c of obj.file.chunks) {
      const loc = repo.objects.locatePayload(c.id)!.loc!;
      const fd = fs.openSync(packPath(path.join(dir, '.dv'), loc.pack), 'r+');
      const at = loc.offset + (loc.length >> 1);
      const byte = Buffer.alloc(1);
      fs.readSync(fd, byte, 0, 1, at);
      byte[0] = byte[0]! ^ 0xff;
      fs.writeSync(fd, byte, 0, 1, at);
      fs.closeSync(fd);
    }
  } finally {
    await repo.close();
  }
  fs.writeFileSync(path.join(dir, 'data.csv'), csv(2));
  const before = dvOk(dir, ['status', '--json']);
  const r = dv(dir, ['add', 'data.csv'], { env: { DV_THREADS: '1' } });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^dv: object [0-9a-f]{64} (is corrupt|does not)[^\n]*\nhint: run `dv fsck`/);
  assert.equal(dvOk(dir, ['status', '--json']), before);
});
