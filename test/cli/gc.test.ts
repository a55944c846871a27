import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { openRepository } from '../../src/repo/index.js';
import { storeBytes } from '../../src/store/index.js';
import { dv, dvOk, makeRepo, ROOT, tmpDir } from '../helpers.js';
import { commitOnHead, noise } from '../maintenance/build.js';

async function repoWithGarbage(): Promise<{ dir: string; reachable: number; total: number }> {
  const dir = makeRepo();
  const repo = openRepository(dir);
  commitOnHead(repo, { 'data/a.csv': 'k,v\n1,2\n' }, 'first');
  commitOnHead(repo, { 'data/a.csv': 'k,v\n1,3\n', 'big.bin': noise(500_000) }, 'second');
  const reachable = [...repo.objects.allIds()].length;
  const b = repo.objects.batch();
  storeBytes(b, Buffer.from('orphan\n'));
  storeBytes(b, noise(400_000, 9));
  b.flush();
  const total = [...repo.objects.allIds()].length;
  await repo.close();
  return { dir, reachable, total };
}

/** Bytes of all pack files of the repository in `dir`. */
function packBytes(dir: string): number {
  const packs = path.join(dir, '.dv', 'packs');
  return fs.readdirSync(packs).reduce((s, f) => s + fs.statSync(path.join(packs, f)).size, 0);
}

/** Writes a small module that runs `body` with the compiled library, for child processes. */
function script(body: string): string {
  const file = path.join(tmpDir(), 'child.mjs');
  const dist = (m: string) => JSON.stringify(path.join(ROOT, 'dist', m, 'index.js'));
  fs.writeFileSync(file, `import * as store from ${dist('store')};\nimport * as repoMod from ${dist('repo')};\n${body}\n`);
  return file;
}

test('dv gc removes unreachable objects and the repository passes fsck', async () => {
  const { dir, reachable, total } = await repoWithGarbage();
  const dry = JSON.parse(dvOk(dir, ['gc', '--dry-run', '--json']));
  assert.equal(dry.dryRun, true);
  assert.equal(dry.removed, total - reachable);
  const packsBefore = packBytes(dir);
  const r = dv(dir, ['gc']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^removed ${total - reachable} unreachable objects \\(.*\\); kept ${reachable}\n`));
  assert.match(r.stdout, /^compacted 1 pack file: .* freed on disk$/m);
  assert.ok(packBytes(dir) <= packsBefore - 400_000, 'the orphaned content no longer takes disk space');
  const check = JSON.parse(dvOk(dir, ['fsck', '--json']));
  assert.equal(check.objects, reachable);
  assert.equal(check.dangling, 0);
  const again = JSON.parse(dvOk(dir, ['gc', '--json']));
  assert.equal(again.removed, 0);
});

test('dv gc refuses while another process holds a writer lease; a dead holder does not block it', async () => {
  const { dir, reachable, total } = await repoWithGarbage();
  const child = spawn(process.execPath, [script(`
    const repo = repoMod.openRepository(${JSON.stringify(dir)});
    await store.withWriterLease(repo.env, async () => {
      process.stdout.write('holding\\n');
      setInterval(() => {}, 1000);
      await new Promise(() => {});
    });
  `)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [first] = await once(child.stdout!, 'data');
  assert.equal(String(first), 'holding\n');

  const r = dv(dir, ['gc']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n')[0], 'dv: another dv process is writing; try again');
  assert.equal(JSON.parse(dvOk(dir, ['fsck', '--json'])).objects, total, 'nothing was removed');

  // kill -9 leaves the lease behind, but its process is gone.
  child.kill('SIGKILL');
  await once(child, 'exit');
  const after = JSON.parse(dvOk(dir, ['gc', '--json']));
  assert.equal(after.removed, total - reachable);
});

test('pack files another process may still be reading from an older snapshot are removed by a later gc', async () => {
  const { dir, reachable, total } = await repoWithGarbage();
  const child = spawn(process.execPath, [script(`
    const repo = repoMod.openRepository(${JSON.stringify(dir)});
    const txn = repo.env.objects.useReadTransaction();
    repo.env.objects.getBinary(Buffer.alloc(32), { transaction: txn });
    process.stdout.write('reading\\n');
    setInterval(() => {}, 1000);
    await new Promise(() => {});
  `)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  const first = JSON.parse(dvOk(dir, ['gc', '--json']));
  assert.equal(first.removed, total - reachable);
  assert.equal(first.compaction.packsRemoved, 0);
  assert.ok(first.compaction.packsDeferred >= 1);
  assert.equal(JSON.parse(dvOk(dir, ['fsck', '--json'])).ok, true);
  child.kill('SIGKILL');
  await once(child, 'exit');
  const second = JSON.parse(dvOk(dir, ['gc', '--json']));
  assert.equal(second.removed, 0);
  assert.ok(second.compaction.packsRemoved >= first.compaction.packsDeferred);
  const check = JSON.parse(dvOk(dir, ['fsck', '--json']));
  assert.equal(check.ok, true);
  assert.equal(check.packs.bytes, check.packs.liveBytes);
});

test('gc running alongside a committing process never removes what the writer makes reachable', async () => {
  const { dir } = await repoWithGarbage();
  const rounds = 40;
  const child = spawn(process.execPath, [script(`
    const repo = repoMod.openRepository(${JSON.stringify(dir)});
    const sig = { name: 't', email: 't@e', ms: 1, tz: 0 };
    for (let i = 0; i < ${rounds}; i++) {
      await store.withWriterLease(repo.env, async () => {
        const b = repo.objects.batch();
        const blob = store.storeBytes(b, Buffer.from('row ' + i + '\\n'));
        b.flush();
        await new Promise((r) => setTimeout(r, 5));
        const tree = repo.objects.writeTree({ entries: [{ name: 'r.csv', kind: 'file', id: blob.id, size: blob.size }] });
        const parent = repo.refs.resolve('HEAD');
        const c = repo.objects.writeCommit({ tree, parents: [parent], author: sig, committer: sig, message: 'c' + i, meta: {} });
        repo.refs.update({ name: 'HEAD', new: c, expect: parent, message: 'commit' });
      });
      // Garbage between commits, written without a lease, for gc to find.
      const b = repo.objects.batch();
      store.storeBytes(b, Buffer.from('garbage ' + i + '\\n'));
      b.flush();
      await new Promise((r) => setTimeout(r, 3));
    }
    await repo.close();
  `)], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = once(child, 'exit');
  let running = true;
  void exited.then(() => { running = false; });
  let swept = 0;
  while (running) {
    const r = dv(dir, ['gc', '--json']);
    if (r.code === 0) swept++;
    else assert.match(r.stderr, /another dv process is writing/);
    await new Promise((r) => setTimeout(r, 1));
  }
  const [code] = await exited;
  assert.equal(code, 0, 'the writer never hit a missing object');
  dvOk(dir, ['gc']);
  const check = JSON.parse(dvOk(dir, ['fsck', '--json']));
  assert.equal(check.ok, true, JSON.stringify(check));
  assert.ok(swept >= 1, 'gc got through at least once');
});
