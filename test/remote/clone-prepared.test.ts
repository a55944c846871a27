import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { flattenTree } from '../../src/history/index.js';
import { CheckoutTap, PathTransport, fetchObjects, openRepositoryPath } from '../../src/remote/index.js';
import { initRepository } from '../../src/repo/index.js';
import { PreparedContent } from '../../src/worktree/index.js';
import { dv, dvOk, makeRepo, tmpDir } from '../helpers.js';
import { csvBytes } from './fixtures.js';
import { dvAsync, lyingRemote } from './serve-helpers.js';

/** A repository whose branch has a multi-chunk file, the same content at two paths, an exec file, a symlink and small files. */
function sourceRepo(): string {
  const big = csvBytes(60_000);
  const dir = makeRepo({ 'data/big.csv': big, 'copy/big.csv': big, 'bin/run.sh': '#!/bin/sh\necho hi\n', 'data/small/a.txt': 'a\n', 'data/small/b.txt': 'b\n' });
  fs.chmodSync(path.join(dir, 'bin/run.sh'), 0o755);
  fs.symlinkSync('data/small/a.txt', path.join(dir, 'link'));
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'one']);
  // An older version in history: its content is fetched but must not be written out.
  fs.writeFileSync(path.join(dir, 'data/old.csv'), csvBytes(20_000, 7));
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'two']);
  fs.rmSync(path.join(dir, 'data/old.csv'));
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'three']);
  return dir;
}

function sameTree(a: string, b: string, rel = ''): void {
  for (const e of fs.readdirSync(path.join(a, rel), { withFileTypes: true })) {
    if (e.name === '.dv') continue;
    const p = path.join(rel, e.name);
    const sa = fs.lstatSync(path.join(a, p));
    const sb = fs.lstatSync(path.join(b, p));
    if (sa.isDirectory()) { assert.ok(sb.isDirectory(), p); sameTree(a, b, p); continue; }
    if (sa.isSymbolicLink()) { assert.equal(fs.readlinkSync(path.join(b, p)), fs.readlinkSync(path.join(a, p)), p); continue; }
    assert.ok(fs.readFileSync(path.join(b, p)).equals(fs.readFileSync(path.join(a, p))), `${p} differs`);
    assert.equal(sb.mode & 0o111, sa.mode & 0o111, `${p} exec bit`);
  }
}

test('a clone writes the branch files as they arrive: identical tree, exec bit kept, clean status and fsck, nothing left in .dv/tmp', () => {
  const src = sourceRepo();
  const root = tmpDir();
  dvOk(root, ['clone', src, 'c']);
  const c = path.join(root, 'c');
  sameTree(src, c);
  assert.equal(fs.existsSync(path.join(c, 'data/old.csv')), false);
  assert.deepEqual(fs.existsSync(path.join(c, '.dv/tmp')) ? fs.readdirSync(path.join(c, '.dv/tmp')) : [], []);
  assert.match(dvOk(c, ['status']), /nothing to commit|clean/);
  dvOk(c, ['fsck']);
});

test('the tap prepares exactly the tip tree\'s file content, verified, and not older versions', async () => {
  const src = sourceRepo();
  const srcRepo = openRepositoryPath(src);
  const tip = srcRepo.refs.resolve('HEAD')!;
  const leaves = [...flattenTree(srcRepo.objects, srcRepo.objects.readCommit(tip).tree).values()];
  const oldId = (() => {
    const parent = srcRepo.objects.readCommit(srcRepo.objects.readCommit(tip).parents[0]!);
    return flattenTree(srcRepo.objects, parent.tree).get('data/old.csv' as never)!.id;
  })();
  await srcRepo.close();
  const dest = initRepository(path.join(tmpDir(), 'dest'));
  const transport = PathTransport.open(src);
  const prepared = new PreparedContent(path.join(dest.dvDir, 'tmp', 'prep'));
  try {
    await fetchObjects(dest, transport, [tip], { tap: new CheckoutTap(tip, prepared) });
    await prepared.settled();
    for (const l of leaves) {
      if (l.kind === 'symlink') assert.equal(prepared.has(l.id), false);
      else assert.ok(prepared.has(l.id), `${l.path} prepared`);
    }
    assert.equal(prepared.has(oldId), false, 'content only older commits hold is not written out');
    const big = leaves.find((l) => l.path === 'data/big.csv')!;
    assert.ok(fs.readFileSync(path.join(dest.dvDir, 'tmp', 'prep', big.id)).equals(fs.readFileSync(path.join(src, 'data/big.csv'))));
  } finally {
    prepared.dispose();
    await transport.close();
    await dest.close();
  }
  assert.equal(fs.existsSync(path.join(dest.dvDir, 'tmp', 'prep')), false, 'dispose removes what was not taken');
});

test('content that fails verification is never offered, and the clone fails leaving nothing', async () => {
  const src = sourceRepo();
  const srcRepo = openRepositoryPath(src);
  const l = await lyingRemote(srcRepo, 'wrong-bytes');
  try {
    const root = tmpDir();
    const r = await dvAsync(root, ['clone', l.url, 'c']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /dv: object [0-9a-f]{64} (is corrupt|does not)/);
    assert.equal(fs.existsSync(path.join(root, 'c')), false);
  } finally {
    await l.close();
    await srcRepo.close();
  }
});

test('two paths with the same content each get a file of their own', () => {
  const src = sourceRepo();
  const root = tmpDir();
  dvOk(root, ['clone', src, 'c']);
  const a = fs.statSync(path.join(root, 'c', 'data/big.csv'));
  const b = fs.statSync(path.join(root, 'c', 'copy/big.csv'));
  assert.notEqual(a.ino, b.ino, 'not hard links of one file');
  fs.appendFileSync(path.join(root, 'c', 'copy/big.csv'), 'x');
  assert.ok(fs.readFileSync(path.join(root, 'c', 'data/big.csv')).equals(fs.readFileSync(path.join(src, 'data/big.csv'))));
  assert.equal(dv(path.join(root, 'c'), ['status', '--json']).code, 0);
});

test('DV_THREADS=0 (no workers) clones the same tree', () => {
  const src = sourceRepo();
  const root = tmpDir();
  dvOk(root, ['clone', src, 'c'], { env: { DV_THREADS: '0' } });
  sameTree(src, path.join(root, 'c'));
});

