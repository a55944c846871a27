import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashBytes, oidFromBytes, type Oid } from '../../src/hash/index.js';
import { gc } from '../../src/maintenance/index.js';
import { openRepository, type Repository } from '../../src/repo/index.js';
import { recordDeltaBase } from '../../src/store/index.js';
import { dvOk, makeRepo, writeFiles } from '../helpers.js';
import { fsckBoth } from './build.js';

/** A deterministic CSV; version `edit` > 0 rewrites every 97th row. */
function csv(rows: number, edit = 0): Buffer {
  const out: string[] = ['id,region,value'];
  let s = 12345;
  for (let i = 0; i < rows; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out.push(`${i},r${s % 13},${edit > 0 && i % 97 === edit % 97 ? `fixed${edit}` : s % 100000}`);
  }
  return Buffer.from(out.join('\n') + '\n');
}

/** Chunks of the file with this content that are stored as deltas, with their bases. */
function deltaChunks(repo: Repository, content: Buffer): Array<{ chunk: Oid; base: Oid }> {
  const obj = repo.objects.read(hashBytes(content));
  assert.equal(obj.kind, 'file');
  const out: Array<{ chunk: Oid; base: Oid }> = [];
  for (const c of obj.kind === 'file' ? obj.file.chunks : []) {
    const base = recordDeltaBase(repo.objects.getRecord(c.id)!, c.id);
    if (base) out.push({ chunk: c.id, base: oidFromBytes(base) });
  }
  return out;
}

/** A repository whose second commit stores the corrected CSV as deltas against the first. */
function correctedHistory(): { dir: string; v1: Buffer; v2: Buffer } {
  const v1 = csv(40_000);
  const v2 = csv(40_000, 5);
  const dir = makeRepo({ 'data.csv': v1 });
  dvOk(dir, ['add', 'data.csv']);
  dvOk(dir, ['commit', '-m', 'v1']);
  writeFiles(dir, { 'data.csv': v2 });
  dvOk(dir, ['add', 'data.csv']);
  dvOk(dir, ['commit', '-m', 'v2']);
  return { dir, v1, v2 };
}

test('fsck follows delta bases: a base only a delta needs is reachable, and its loss is reported', async () => {
  const { dir, v2 } = correctedHistory();
  let repo = openRepository(dir);
  const deltas = deltaChunks(repo, v2);
  assert.ok(deltas.length > 0, 'the correction was stored as deltas');
  assert.equal((await fsckBoth(repo)).ok, true);

  // Forget v1 entirely: a new root commit with only v2, no reflogs.
  const head = repo.refs.resolve('HEAD')!;
  const c = repo.objects.readCommit(head);
  const root = repo.objects.writeCommit({ ...c, parents: [], message: 'only v2' });
  repo.refs.update({ name: 'HEAD', new: root, message: 'rewrite' });
  repo.env.root.transactionSync(() => { for (const { key } of repo.env.reflog.getRange()) repo.env.reflog.removeSync(key as never); });
  const r = await fsckBoth(repo);
  assert.equal(r.ok, true);
  for (const d of deltas) assert.ok(repo.objects.has(d.base));
  assert.ok(r.dangling >= 3, 'v1 commits, trees and the old file object dangle');

  // gc keeps the bases the deltas need, and v2 still reads back.
  await gc(repo);
  for (const d of deltas) assert.ok(repo.objects.has(d.base), `base ${d.base} kept`);
  assert.ok(repo.objects.readContentBuffer(hashBytes(v2) as Oid).equals(v2));
  assert.equal((await fsckBoth(repo)).ok, true);

  // Losing a base: the base is missing, named with the delta that needs it; the delta is not "corrupt".
  const lost = deltas[0]!;
  repo.env.objects.removeSync(Buffer.from(lost.base, 'hex'));
  await repo.close();
  repo = openRepository(dir);
  const broken = await fsckBoth(repo);
  assert.equal(broken.ok, false);
  const m = broken.missing.find((x) => x.id === lost.base);
  assert.ok(m, 'the base is reported missing');
  assert.match(m.referencedBy.join(), new RegExp(`delta ${lost.chunk.slice(0, 12)} base`));
  assert.ok(!broken.corrupt.some((x) => x.id === lost.chunk));
  await assert.rejects(gc(repo), /missing; gc will not sweep/);
  await repo.close();
});
