import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError } from '../../src/errors/index.js';
import { compactPacks, fsck, gc, packUsage } from '../../src/maintenance/index.js';
import { encodeIndexEntry, listPacks, storeBytes, withWriterLease } from '../../src/store/index.js';
import type { Repository } from '../../src/repo/index.js';
import { commitOnHead, newRepo, noise, writeCommitOf, writeFilesTree } from './build.js';

function allIds(repo: Repository): Set<string> {
  return new Set(repo.objects.allIds());
}

/** Stores objects nothing refers to; returns their ids. */
function writeGarbage(repo: Repository): string[] {
  const b = repo.objects.batch();
  const blob = storeBytes(b, Buffer.from('orphan\n')).id;
  const big = storeBytes(b, noise(600_000, 99)).id;
  b.flush();
  const tree = writeFilesTree(repo, { 'lost/x.csv': 'lost\n' });
  return [blob, big, tree];
}

test('gc removes unreachable objects, keeps reachable ones, and the repository still passes fsck', async () => {
  const { repo } = newRepo();
  commitOnHead(repo, { 'data/a.csv': 'k,v\n1,2\n', 'big.bin': noise(700_000) }, 'first');
  commitOnHead(repo, { 'data/a.csv': 'k,v\n1,3\n', 'big.bin': noise(700_000) }, 'second');
  const reachable = allIds(repo);
  const garbage = writeGarbage(repo);
  const before = allIds(repo);
  assert.ok(before.size > reachable.size + 5);

  const dry = await gc(repo, { dryRun: true });
  assert.equal(dry.removed, before.size - reachable.size);
  assert.deepEqual(allIds(repo), before, 'a dry run removes nothing');

  const r = await gc(repo);
  assert.equal(r.dryRun, false);
  assert.equal(r.removed, before.size - reachable.size);
  assert.equal(r.kept, reachable.size);
  assert.ok(r.bytesRemoved > 600_000, 'the big orphan counts');
  assert.deepEqual(allIds(repo), reachable);
  for (const g of garbage) assert.equal(repo.objects.has(g as never), false);
  const check = fsck(repo);
  assert.equal(check.ok, true);
  assert.equal(check.dangling, 0);

  const again = await gc(repo);
  assert.equal(again.removed, 0);
  await repo.close();
});

test('gc keeps what only reflogs, the index, tags, other branches or bisect state reach', async () => {
  const { repo } = newRepo();
  const first = commitOnHead(repo, { 'a.csv': '1\n' }, 'first');
  const second = commitOnHead(repo, { 'a.csv': '2\n' }, 'second');
  // Reset main back: `second` stays in the reflog only.
  repo.refs.update({ name: 'HEAD', new: first, expect: second, message: 'reset' });
  // A side branch and a tag of commits no other ref reaches.
  const side = writeCommitOf(repo, { 'b.csv': 'side\n' }, [first], 'side');
  repo.refs.update({ name: 'refs/heads/side', new: side, message: 'branch' });
  const tagged = writeCommitOf(repo, { 'c.csv': 'tagged\n' }, [], 'tagged');
  const sig = { name: 't', email: 't@e', ms: 1, tz: 0 };
  const tag = repo.objects.writeTag({ object: tagged, objectKind: 'commit', name: 'v1', tagger: sig, message: 'v1' });
  repo.refs.update({ name: 'refs/tags/v1', new: tag, message: 'tag' });
  // A staged file and a commit named only in bisect state.
  const b = repo.objects.batch();
  const staged = storeBytes(b, Buffer.from('staged\n'));
  b.flush();
  repo.env.index.putSync('s.csv', encodeIndexEntry({ id: staged.id, kind: 'file', size: staged.size, mtime: [0, 0], ctime: [0, 0], ino: 0, dev: 0 }));
  const bisected = writeCommitOf(repo, { 'd.csv': 'bisect\n' }, [], 'bisect only');
  repo.setConfig('bisect.state', { bad: bisected, good: [] });
  const before = allIds(repo);
  writeGarbage(repo);
  const withGarbage = allIds(repo).size;

  const r = await gc(repo);
  assert.equal(r.removed, withGarbage - before.size);
  assert.deepEqual(allIds(repo), before);
  for (const id of [first, second, side, tagged, tag, staged.id, bisected]) assert.ok(repo.objects.has(id), id);
  assert.equal(fsck(repo).ok, true);
  await repo.close();
});

test('gc keeps run records named in commit metadata', async () => {
  const { repo } = newRepo();
  const out = writeFilesTree(repo, { 'x.csv': 'x\n' });
  const run = repo.objects.writeRecord('run', { cmd: 'make', outputs: [out] });
  commitOnHead(repo, { 'x.csv': 'x\n' }, 'produced', { runs: [run] });
  writeGarbage(repo);
  await gc(repo);
  assert.ok(repo.objects.has(run));
  assert.ok(repo.objects.has(out), 'ids a run record names are kept too');
  assert.equal(fsck(repo).ok, true);
  await repo.close();
});

test('gc refuses while a writer holds a lease, and removes nothing', async () => {
  const { repo } = newRepo();
  commitOnHead(repo, { 'a.csv': '1\n' }, 'first');
  const reachable = allIds(repo).size;
  writeGarbage(repo);
  const before = allIds(repo);
  await withWriterLease(repo.env, async () => {
    await assert.rejects(gc(repo, { retries: 2, retryDelayMs: 5 }), (err: unknown) => {
      assert.ok(err instanceof ConflictError);
      assert.equal(err.message, 'another dv process is writing; try again');
      return true;
    });
  });
  assert.deepEqual(allIds(repo), before);
  // A dry run only reads, so a lease does not stop it.
  await withWriterLease(repo.env, async () => {
    assert.equal((await gc(repo, { dryRun: true })).removed, before.size - reachable);
  });
  await repo.close();
});

test('gc retries once the writer has finished, and keeps what the writer made reachable', async () => {
  const { repo } = newRepo();
  commitOnHead(repo, { 'a.csv': '1\n' }, 'first');
  const reachable = allIds(repo).size;
  writeGarbage(repo);
  const garbage = allIds(repo).size - reachable;
  let written = '';
  const writer = withWriterLease(repo.env, async () => {
    await new Promise((r) => setTimeout(r, 60));
    // Objects written under the lease and then committed must survive.
    written = commitOnHead(repo, { 'a.csv': '2\n', 'new.csv': 'new\n' }, 'second');
  });
  await new Promise((r) => setTimeout(r, 5));
  const r = await gc(repo, { retries: 6, retryDelayMs: 20 });
  await writer;
  assert.ok(r.attempts > 1, 'it waited for the lease');
  assert.equal(r.removed, garbage);
  assert.ok(repo.objects.has(written as never));
  assert.equal(fsck(repo).ok, true);
  await repo.close();
});

test('gc refuses to sweep a repository with a missing reachable object', async () => {
  const { repo } = newRepo();
  const first = commitOnHead(repo, { 'a.csv': '1\n' }, 'first');
  commitOnHead(repo, { 'a.csv': '2\n' }, 'second');
  writeGarbage(repo);
  repo.env.objects.removeSync(Buffer.from(first, 'hex'));
  const before = allIds(repo);
  await assert.rejects(gc(repo), /missing; gc will not sweep/);
  assert.deepEqual(allIds(repo), before);
  await repo.close();
});

/** Total size of the repository's pack files. */
function packBytes(repo: Repository): number {
  return packUsage(repo.env, repo.dvDir).reduce((s, p) => s + p.size, 0);
}

test('gc compacts pack files: the space of removed content goes back to the disk, kept content still reads', async () => {
  const { repo } = newRepo();
  const keep = noise(800_000, 21);
  const c = commitOnHead(repo, { 'keep.bin': keep }, 'keep');
  // Garbage written in the same pack as kept content, and in a pack of its own.
  const b = repo.objects.batch();
  storeBytes(b, noise(900_000, 22));
  const kept = storeBytes(b, keep);
  b.flush();
  writeGarbage(repo);
  const before = packBytes(repo);
  const r = await gc(repo);
  assert.ok(r.compaction.packsRemoved >= 2, JSON.stringify(r.compaction));
  assert.equal(r.compaction.packsDeferred, 0);
  assert.ok(r.compaction.bytesFreed >= 1_400_000, `freed ${r.compaction.bytesFreed}`);
  assert.equal(packBytes(repo), before - r.compaction.bytesFreed);
  const usage = packUsage(repo.env, repo.dvDir);
  assert.ok(usage.every((p) => p.live === p.size), 'every remaining pack byte is in use');
  assert.ok(repo.objects.readContentBuffer(kept.id).equals(keep));
  const check = fsck(repo);
  assert.equal(check.ok, true);
  assert.equal(check.packs.bytes, check.packs.liveBytes);
  assert.ok(repo.objects.readCommit(c));
  // Nothing left to do the second time.
  assert.deepEqual((await gc(repo)).compaction, { packsRemoved: 0, packsWritten: 0, bytesFreed: 0, packsDeferred: 0 });
  await repo.close();
});

test('compaction changes nothing while a writer holds a lease, and leaves no new pack behind', async () => {
  const { repo } = newRepo();
  commitOnHead(repo, { 'keep.bin': noise(300_000, 31) }, 'keep');
  // One pack half dead (needs copying), one wholly dead (just removed): as a sweep leaves them.
  const b = repo.objects.batch();
  const live = storeBytes(b, noise(200_000, 32));
  const dead = storeBytes(b, noise(200_000, 33));
  b.flush();
  const b2 = repo.objects.batch();
  const dead2 = storeBytes(b2, noise(200_000, 34));
  b2.flush();
  for (const id of [dead.id, dead2.id]) {
    for (const c of repo.objects.readKind(id, 'file').file.chunks) repo.env.objects.removeSync(Buffer.from(c.id, 'hex'));
    repo.env.objects.removeSync(Buffer.from(id, 'hex'));
  }
  const packsBefore = listPacks(repo.dvDir);
  await withWriterLease(repo.env, async () => {
    const r = await compactPacks(repo.env, repo.dvDir);
    assert.deepEqual(r, { packsRemoved: 0, packsWritten: 0, bytesFreed: 0, packsDeferred: 0 });
  });
  assert.deepEqual(listPacks(repo.dvDir), packsBefore, 'the copy made under the lease was dropped');
  const r = await compactPacks(repo.env, repo.dvDir);
  assert.equal(r.packsRemoved, 2);
  assert.equal(r.packsWritten, 1);
  assert.ok(repo.objects.readContentBuffer(live.id).equals(noise(200_000, 32)));
  assert.equal(fsck(repo).ok, true);
  await repo.close();
});

test('a lease left behind by a process whose pid is now another process\'s does not hold gc back; an old-format lease is judged by its pid', async () => {
  const { liveLeases, LEASE_PREFIX } = await import('../../src/store/index.js');
  const { processStartTicks } = await import('../../src/util/index.js');
  const { repo } = newRepo();
  const ticks = processStartTicks(process.pid);
  assert.ok(ticks !== undefined, 'this test needs /proc');
  // This test's own pid stands for the reused one: the lease says it started at another time.
  const put = (key: string, value: object) => repo.env.root.transactionSync(() => repo.env.meta.putSync(key, value));
  put(`${LEASE_PREFIX}${process.pid}:reused`, { pid: process.pid, startTicks: ticks - 1, started: Date.now() });
  assert.deepEqual(liveLeases(repo.env), []);
  put(`${LEASE_PREFIX}${process.pid}:old`, { pid: process.pid, started: Date.now() });
  assert.deepEqual(liveLeases(repo.env).map((l) => l.key), [`${LEASE_PREFIX}${process.pid}:old`]);
  await withWriterLease(repo.env, () => {
    assert.equal(liveLeases(repo.env).length, 2, 'a lease taken now is live');
  });
  await repo.close();
});
