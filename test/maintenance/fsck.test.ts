import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oidToBytes, type Oid } from '../../src/hash/index.js';
import { encodeFileObject } from '../../src/objects/index.js';
import { encodeIndexEntry, encodePayload, inlineRecord, listPacks, packFileName, PACKS_DIR } from '../../src/store/index.js';
import { verifyContentsOnThreads } from '../../src/maintenance/index.js';
import { openRepository, type Repository } from '../../src/repo/index.js';
import { flattenTree } from '../../src/history/index.js';
import { commitOnHead, flipStoredByte, fsckBoth, newRepo, noise } from './build.js';

/** Flips one bit of an object's stored payload: in its pack file when packed, else in the LMDB record. */
function flipByte(repo: Repository, id: Oid, at = 0): void {
  flipStoredByte(repo, id, at);
}

function fileId(repo: Repository, commit: Oid, path: string): Oid {
  const leaf = flattenTree(repo.objects, repo.objects.readCommit(commit).tree).get(path as never);
  assert.ok(leaf, `${path} exists`);
  return leaf.id;
}

test('a clean repository passes, with every object verified and reachable', async () => {
  const { repo } = newRepo();
  commitOnHead(repo, { 'data/a.csv': 'k,v\n1,2\n', 'big.bin': noise(700_000) }, 'first');
  commitOnHead(repo, { 'data/a.csv': 'k,v\n1,3\n', 'big.bin': noise(700_000, 7) }, 'second');
  const r = await fsckBoth(repo);
  assert.equal(r.ok, true);
  assert.deepEqual([r.corrupt, r.missing, r.badLinks], [[], [], []]);
  assert.equal(r.dangling, 0);
  assert.equal(r.reachable, r.objects);
  assert.ok(r.objects > 10, 'multi-chunk files add chunk objects');
  await repo.close();
});

test('an empty repository passes', async () => {
  const { repo } = newRepo();
  const r = await fsckBoth(repo);
  assert.equal(r.ok, true);
  assert.equal(r.objects, 0);
  await repo.close();
});

test('a flipped byte in a blob is reported as corrupt, naming the id', async () => {
  const { repo } = newRepo();
  const c = commitOnHead(repo, { 'a.csv': 'k,v\n1,2\n', 'b.csv': 'k,v\n3,4\n' }, 'first');
  const id = fileId(repo, c, 'a.csv');
  flipByte(repo, id);
  const r = await fsckBoth(repo);
  assert.equal(r.ok, false);
  assert.deepEqual(r.corrupt.map((x) => x.id), [id]);
  assert.match(r.corrupt[0]!.message, new RegExp(id));
  assert.deepEqual(r.missing, []);
  await repo.close();
});

test('corrupt trees and commits are reported', async () => {
  const { repo } = newRepo();
  const c = commitOnHead(repo, { 'a.csv': 'x\n' }, 'first');
  const tree = repo.objects.readCommit(c).tree;
  flipByte(repo, tree, 3);
  let r = await fsckBoth(repo);
  assert.deepEqual(r.corrupt.map((x) => x.id), [tree]);
  // Garbage bytes in place of a commit.
  repo.env.objects.putSync(oidToBytes(c), inlineRecord(encodePayload('commit', Buffer.from('not a commit'), false)));
  r = await fsckBoth(repo);
  assert.ok(r.corrupt.some((x) => x.id === c), 'the commit is named');
  await repo.close();
});

test('a corrupt chunk of a multi-chunk file is named', async () => {
  const { repo } = newRepo();
  const c = commitOnHead(repo, { 'big.bin': noise(900_000, 3) }, 'big');
  const file = repo.objects.readKind(fileId(repo, c, 'big.bin'), 'file').file;
  assert.ok(file.chunks.length > 2);
  const chunk = file.chunks[1]!.id;
  flipByte(repo, chunk, 100);
  const r = await fsckBoth(repo);
  assert.equal(r.ok, false);
  assert.deepEqual(r.corrupt.map((x) => x.id), [chunk]);
  await repo.close();
});

test('a file object whose chunks no longer add up to its content hash is corrupt', async () => {
  const { repo } = newRepo();
  const c = commitOnHead(repo, { 'big.bin': noise(900_000, 4) }, 'big');
  const id = fileId(repo, c, 'big.bin');
  const file = repo.objects.readKind(id, 'file').file;
  // Swap two chunks: every chunk is intact, but the content they make is not the file.
  const swapped = { size: file.size, chunks: [file.chunks[1]!, file.chunks[0]!, ...file.chunks.slice(2)] };
  repo.env.objects.putSync(oidToBytes(id), inlineRecord(encodePayload('file', encodeFileObject(swapped), false)));
  const r = await fsckBoth(repo);
  assert.deepEqual(r.corrupt.map((x) => x.id), [id]);
  assert.match(r.corrupt[0]!.message, /content hashes to/);
  await repo.close();
});

test('a missing object is reported with who refers to it', async () => {
  const { repo } = newRepo();
  const c = commitOnHead(repo, { 'data/a.csv': 'x\n', 'data/b.csv': 'y\n' }, 'first');
  const id = fileId(repo, c, 'data/b.csv');
  repo.env.objects.removeSync(oidToBytes(id));
  const r = await fsckBoth(repo);
  assert.equal(r.ok, false);
  assert.equal(r.missing.length, 1);
  assert.equal(r.missing[0]!.id, id);
  assert.match(r.missing[0]!.referencedBy.join(), /entry 'b\.csv'/);
  await repo.close();
});

test('in a partial clone, absent file content is not fetched yet, but an absent tree, commit or chunk is still missing', async () => {
  const { repo } = newRepo();
  const first = commitOnHead(repo, { 'a.csv': 'x\n' }, 'first');
  const second = commitOnHead(repo, { 'a.csv': 'y\n', 'sub/b.csv': 'z\n', 'big.bin': noise(900_000, 5) }, 'second');
  const chunk = repo.objects.readKind(fileId(repo, second, 'big.bin'), 'file').file.chunks.at(-1)!.id;
  for (const id of [fileId(repo, first, 'a.csv'), fileId(repo, second, 'a.csv'), fileId(repo, second, 'sub/b.csv')]) repo.env.objects.removeSync(oidToBytes(id));
  const clean = await fsckBoth(repo, { partial: true });
  assert.equal(clean.ok, true, JSON.stringify(clean.missing));
  assert.equal(clean.notFetched, 3);
  assert.equal((await fsckBoth(repo)).missing.length, 3, 'outside a partial clone the same is missing');

  const sub = repo.objects.readTree(repo.objects.readCommit(second).tree).entries.find((e) => e.name === 'sub')!.id;
  repo.env.objects.removeSync(oidToBytes(sub));
  repo.env.objects.removeSync(oidToBytes(chunk));
  const broken = await fsckBoth(repo, { partial: true });
  assert.equal(broken.ok, false);
  assert.deepEqual(broken.missing.map((m) => m.id).sort(), [chunk, sub].sort());
  assert.equal(broken.notFetched, 2, 'what the missing tree named is not counted');
  await repo.close();
});

test('a missing parent commit and a missing chunk are both reported', async () => {
  const { repo } = newRepo();
  const first = commitOnHead(repo, { 'a.csv': 'x\n' }, 'first');
  const second = commitOnHead(repo, { 'a.csv': 'y\n', 'big.bin': noise(900_000, 5) }, 'second');
  const big = repo.objects.readKind(fileId(repo, second, 'big.bin'), 'file').file;
  const chunk = big.chunks.at(-1)!.id;
  repo.env.objects.removeSync(oidToBytes(chunk));
  repo.env.objects.removeSync(oidToBytes(first));
  const r = await fsckBoth(repo);
  const byId = new Map(r.missing.map((m) => [m.id, m.referencedBy.join()]));
  assert.match(byId.get(first) ?? '', /commit .* parent/);
  assert.match(byId.get(chunk) ?? '', /chunk/);
  assert.deepEqual(r.corrupt, []);
  await repo.close();
});

test('objects reachable only from the reflog and the index count as reachable; others as dangling', async () => {
  const { repo } = newRepo();
  const first = commitOnHead(repo, { 'a.csv': 'x\n' }, 'first');
  const second = commitOnHead(repo, { 'a.csv': 'y\n' }, 'second');
  repo.refs.update({ name: 'HEAD', new: first, expect: second, message: 'reset' });
  const b = repo.objects.batch();
  const { storeBytes } = await import('../../src/store/index.js');
  const staged = storeBytes(b, Buffer.from('staged\n'));
  const loose = storeBytes(b, Buffer.from('nobody refers to me\n'));
  b.flush();
  repo.env.index.putSync('s.csv', encodeIndexEntry({ id: staged.id, kind: 'file', size: staged.size, mtime: [0, 0], ctime: [0, 0], ino: 0, dev: 0 }));
  const r = await fsckBoth(repo);
  assert.equal(r.ok, true);
  assert.equal(r.dangling, 1);
  assert.equal(r.reachable, r.objects - 1);
  // A dangling object is verified too.
  flipByte(repo, loose.id);
  assert.deepEqual((await fsckBoth(repo)).corrupt.map((x) => x.id), [loose.id]);
  await repo.close();
});

test('a tree entry naming an object of the wrong kind is a bad link', async () => {
  const { repo } = newRepo();
  const c = commitOnHead(repo, { 'a.csv': 'x\n' }, 'first');
  const tree = repo.objects.writeTree({ entries: [{ name: 'sub', kind: 'tree', id: fileId(repo, c, 'a.csv'), size: 2 }] });
  const sig = { name: 't', email: 't@e', ms: 1, tz: 0 };
  const bad = repo.objects.writeCommit({ tree, parents: [c], author: sig, committer: sig, message: 'bad', meta: {} });
  repo.refs.update({ name: 'refs/heads/bad', new: bad, message: 'test' });
  const r = await fsckBoth(repo);
  assert.equal(r.ok, false);
  assert.equal(r.badLinks.length, 1);
  assert.match(r.badLinks[0]!.message, /a blob, not a tree/);
  await repo.close();
});

test('a deleted or truncated pack file makes the objects in it corrupt, each named', async () => {
  const { repo } = newRepo();
  const c = commitOnHead(repo, { 'a.bin': noise(300_000, 41) }, 'first');
  const file = repo.objects.readKind(fileId(repo, c, 'a.bin'), 'file').file;
  const packs = listPacks(repo.dvDir);
  assert.equal(packs.length, 1);
  const packPath = path.join(repo.dvDir, PACKS_DIR, packFileName(packs[0]!));
  fs.truncateSync(packPath, fs.statSync(packPath).size - 10);
  let r = await fsckBoth(repo);
  assert.equal(r.ok, false);
  assert.ok(r.corrupt.length >= 1);
  assert.match(r.corrupt.map((x) => x.message).join('\n'), /truncated/);
  await repo.close();
  fs.rmSync(packPath);
  // A fresh handle: the old one may still hold the deleted file open.
  const again = openRepository(path.dirname(repo.dvDir));
  r = await fsckBoth(again);
  const named = new Set(r.corrupt.map((x) => x.id));
  for (const ch of file.chunks) assert.ok(named.has(ch.id), `chunk ${ch.id} is named`);
  assert.match(r.corrupt[0]!.message, /cannot be read/);
  await again.close();
});

test('the native threads vouch for intact file contents and their chunks, and for nothing damaged', async () => {
  const { repo } = newRepo();
  const c = commitOnHead(repo, { 'big.bin': noise(900_000, 5), 'other.bin': noise(400_000, 6) }, 'two files');
  const big = fileId(repo, c, 'big.bin');
  const other = fileId(repo, c, 'other.bin');
  const chunks = repo.objects.readKind(big, 'file').file.chunks.map((ch) => ch.id);
  const clean = await verifyContentsOnThreads(repo.objects);
  for (const id of [big, other, ...chunks]) assert.ok(clean.has(id), `${id} vouched for`);
  flipByte(repo, chunks[1]!, 100);
  const damaged = await verifyContentsOnThreads(repo.objects);
  assert.equal(damaged.has(big), false, 'not the file with the damaged chunk');
  assert.equal(damaged.has(chunks[1]!), false, 'not the damaged chunk');
  assert.ok(damaged.has(other) && damaged.has(chunks[0]!), 'still what is intact');
  assert.deepEqual((await fsckBoth(repo)).corrupt.map((x) => x.id), [chunks[1]]);
  await repo.close();
});
