import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openRepository } from '../../src/repo/index.js';
import { hashBytes, oidToBytes, type Oid } from '../../src/hash/index.js';
import { ENCODING_DELTA, MAX_DELTA_DEPTH, PACKED, recordDeltaBase } from '../../src/store/index.js';
import { dv, dvOk, makeRepo, repoWithVersions } from '../helpers.js';
import { storedChunks } from './stored-chunks.js';

/** A deterministic CSV of `rows` rows; `edit` rewrites every 97th row's value in version `edit`. */
function csv(rows: number, edit = 0): Buffer {
  const out: string[] = ['id,ts,region,value'];
  let s = 12345;
  for (let i = 0; i < rows; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const value = edit > 0 && i % 97 === edit % 97 ? `fixed${edit}` : String(s % 100000);
    out.push(`${i},2026-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z,r${s % 13},${value}`);
  }
  return Buffer.from(out.join('\n') + '\n');
}

function storeBytes(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else total += fs.statSync(p).size;
    }
  };
  walk(path.join(dir, '.dv', 'packs'));
  return total;
}

/** Encoding byte of every chunk of a committed file, and their delta depths. */
async function chunkEncodings(dir: string, content: Buffer): Promise<number[]> {
  const repo = openRepository(dir);
  try {
    return storedChunks(repo.objects, content).map((c) => c.encoding);
  } finally {
    await repo.close();
  }
}

test('a corrected version is stored as small deltas against the chunks it replaces', async () => {
  const v1 = csv(40_000);
  const v2 = csv(40_000, 1);
  const dir = makeRepo({ 'data.csv': v1 });
  dvOk(dir, ['add', 'data.csv']);
  dvOk(dir, ['commit', '-m', 'v1']);
  const before = storeBytes(dir);
  fs.writeFileSync(path.join(dir, 'data.csv'), v2);
  dvOk(dir, ['add', 'data.csv']);
  dvOk(dir, ['commit', '-m', 'v2']);
  const growth = storeBytes(dir) - before;
  assert.ok(growth < v2.length * 0.02, `growth ${growth} B for a ${v2.length} B file with 1% of rows edited`);
  const enc = await chunkEncodings(dir, v2);
  assert.ok(enc.filter((e) => e === ENCODING_DELTA).length >= enc.length / 2, `most chunks are deltas: ${enc.join(',')}`);
  assert.deepEqual(Buffer.from(dvOk(dir, ['cat', 'HEAD:data.csv'])), v2);
  assert.deepEqual(Buffer.from(dvOk(dir, ['cat', 'HEAD~1:data.csv'])), v1);
});

test(`delta chains stop at depth ${MAX_DELTA_DEPTH}: the next version of a chunk is stored whole`, async () => {
  const dir = makeRepo({ 'small.csv': csv(300) });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'v0']);
  const depths: number[] = [];
  for (let v = 1; v <= MAX_DELTA_DEPTH + 1; v++) {
    const content = csv(300, v);
    fs.writeFileSync(path.join(dir, 'small.csv'), content);
    dvOk(dir, ['add', '.']);
    dvOk(dir, ['commit', '-m', `v${v}`]);
    const repo = openRepository(dir);
    try {
      const rec = repo.objects.getRecord(hashBytes(content))!;
      depths.push((rec[1]! & ~PACKED) === ENCODING_DELTA ? rec[rec.length - 33]! : 0);
    } finally {
      await repo.close();
    }
  }
  assert.deepEqual(depths, [1, 2, 3, 4, 5, 6, 7, 8, 0]);
  for (let v = 0; v <= MAX_DELTA_DEPTH + 1; v++) {
    assert.deepEqual(Buffer.from(dvOk(dir, ['cat', `HEAD~${MAX_DELTA_DEPTH + 1 - v}:small.csv`])), csv(300, v));
  }
});

test('gc keeps the base of a live delta even when the version it came from is gone', async () => {
  const v1 = csv(20_000);
  const v2 = csv(20_000, 3);
  const dir = repoWithVersions('data.csv', [v1, v2]);
  // Rewrite history so v1 is unreachable: main becomes a root commit holding v2, reflogs cleared.
  const repo = openRepository(dir);
  try {
    const head = repo.refs.resolve('HEAD')!;
    const c = repo.objects.readCommit(head);
    const orphan = repo.objects.writeCommit({ ...c, parents: [], message: 'only v2\n' });
    repo.refs.update({ name: 'HEAD', new: orphan, message: 'test: orphan' });
    repo.env.root.transactionSync(() => { for (const k of repo.env.reflog.getKeys()) repo.env.reflog.removeSync(k); });
    const deltas = repo.objects.readKind(hashBytes(v2), 'file').file.chunks
      .map((ch) => recordDeltaBase(repo.objects.getRecord(ch.id)!, ch.id)).filter((b) => b !== undefined);
    assert.ok(deltas.length > 0, 'v2 has delta chunks');
    assert.ok(!repo.objects.has(hashBytes(v1)) || repo.objects.has(hashBytes(v1)));
    void oidToBytes;
  } finally {
    await repo.close();
  }
  const gc = JSON.parse(dvOk(dir, ['gc', '--json']));
  assert.ok(gc.removed > 0, 'v1 objects that are not delta bases were removed');
  assert.equal(dv(dir, ['fsck']).code, 0);
  assert.deepEqual(Buffer.from(dvOk(dir, ['cat', 'HEAD:data.csv'])), v2);
});

test('a delta whose base is gone is reported as damage, naming the delta and its base, with the fsck hint', async () => {
  const v1 = csv(20_000);
  const v2 = csv(20_000, 5);
  const dir = repoWithVersions('data.csv', [v1, v2]);
  const repo = openRepository(dir);
  let delta: Oid | undefined;
  let base: Oid | undefined;
  try {
    const obj = repo.objects.read(hashBytes(v2));
    assert.equal(obj.kind, 'file');
    for (const c of obj.kind === 'file' ? obj.file.chunks : []) {
      const b = repo.objects.deltaBaseId(c.id);
      if (b) { delta = c.id; base = b; break; }
    }
    assert.ok(delta && base, 'the correction has a delta');
    repo.objects.env.root.transactionSync(() => repo.objects.env.objects.removeSync(oidToBytes(base!)));
  } finally {
    await repo.close();
  }
  const r = dv(dir, ['cat', 'HEAD:data.csv']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^dv: object ${delta} is a delta against ${base}, which is missing\\nhint: run \`dv fsck\``));
});
