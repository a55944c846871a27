// The tree cache (spec/index.md, "Tree cache") lets a commit skip building the trees of
// directories nothing was staged in. A wrong entry would make a wrong commit, so every
// commit of a random history is checked against trees built from the index alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Oid } from '../../src/hash/index.js';
import { openRepository } from '../../src/repo/index.js';
import type { RepoPath } from '../../src/util/index.js';
import { buildTree, currentStamp, currentVersion, HASH_ONLY_SINK, readIndex } from '../../src/worktree/index.js';
import { decodeTreeCache, encodeTreeCache, putTreeCache, readTreeCache, withoutDirsOf, type TreeCache } from '../../src/worktree/tree-cache.js';
import { HEAD } from '../../src/refs/index.js';
import { rng } from '../contracts/random-table.js';
import { dvOk, makeRepo } from '../helpers.js';

const id = (n: number) => n.toString(16).padStart(64, '0') as Oid;
const cacheOf = (dirs: string[]): TreeCache => new Map(dirs.map((d, i) => [d as RepoPath, { id: id(i), size: i }]));

test('a change drops the trees of the directories holding it, up to the root, and nothing else', () => {
  const cache = cacheOf(['', 'a', 'a/b', 'a/b/c', 'a-b', 'd', 'd/e']);
  assert.deepEqual([...withoutDirsOf(cache, ['a/b/x.csv' as RepoPath]).keys()], ['a/b/c', 'a-b', 'd', 'd/e']);
  assert.deepEqual([...withoutDirsOf(cache, ['top.csv' as RepoPath]).keys()], ['a', 'a/b', 'a/b/c', 'a-b', 'd', 'd/e']);
  assert.deepEqual([...withoutDirsOf(cache, ['new/dir/f.csv' as RepoPath, 'd/e/g' as RepoPath]).keys()], ['a', 'a/b', 'a/b/c', 'a-b']);
  const round = decodeTreeCache(encodeTreeCache(cache, 7), 7);
  assert.deepEqual(round, cache);
  assert.equal(decodeTreeCache(encodeTreeCache(cache, 7), 8), undefined, 'another index version');
  const bytes = encodeTreeCache(cache, 7);
  assert.equal(decodeTreeCache(bytes.subarray(0, bytes.length - 1), 7), undefined);
  assert.equal(decodeTreeCache(Buffer.concat([bytes, Buffer.from([0])]), 7), undefined);
});

/** The root tree and every directory's tree built from the index alone, with nothing reused. */
function fromIndexAlone(dir: string): { root: Oid; dirs: TreeCache; cached: TreeCache | undefined; head: Oid } {
  const repo = openRepository(dir);
  try {
    const index = readIndex(repo);
    const dirs: TreeCache = new Map();
    const root = buildTree(HASH_ONLY_SINK, [...index.entries].map(([p, e]) => [p, { id: e.id, kind: e.kind, size: e.size }]), undefined, dirs).id;
    const head = repo.objects.readCommit(repo.refs.resolve(HEAD)!).tree;
    return { root, dirs, cached: readTreeCache(repo, currentVersion(repo), currentStamp(repo)), head };
  } finally {
    void repo.close();
  }
}

test('every commit of a random history of adds, removals and refreshes has the tree the index makes', async () => {
  const r = rng(11);
  const dirs = ['', 'a', 'a/b', 'a/b/c', 'a-b', 'd', 'd/e', 'z'];
  const files: Record<string, string> = {};
  for (let i = 0; i < 30; i++) files[path.posix.join(r.pick(dirs), `f${i}.csv`)] = `v0 ${i}\n`;
  const dir = makeRepo(files);
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'start']);
  let commits = 0;
  let reused = 0;
  for (let step = 0; step < 40; step++) {
    const tracked = Object.keys(files);
    const p = r.pick(tracked);
    const op = r.int(5);
    if (op === 0) { files[p] = `v${step} ${p}\n`; fs.writeFileSync(path.join(dir, p), files[p]!); }
    else if (op === 1) {
      const q = path.posix.join(r.pick([...dirs, 'n', 'n/m']), `g${step}.csv`);
      files[q] = `new ${step}\n`;
      fs.mkdirSync(path.dirname(path.join(dir, q)), { recursive: true });
      fs.writeFileSync(path.join(dir, q), files[q]!);
    } else if (op === 2 && tracked.length > 5) { delete files[p]; fs.rmSync(path.join(dir, p)); }
    else if (op === 3) fs.utimesSync(path.join(dir, p), 1_000_000 + step, 1_000_000 + step); // same content, new stat: a refresh
    if (r.chance(0.7)) dvOk(dir, ['add', r.pick(['.', 'a', 'd', 'a/b'].filter((d) => fs.existsSync(path.join(dir, d))))]);
    else dvOk(dir, ['status']);
    // Status with something staged compares HEAD with the index through the cache: the
    // same answer as with every tree of HEAD read.
    const cacheFile = path.join(dir, '.dv', 'index-trees');
    const withCache = dvOk(dir, ['status', '--json']);
    const kept = fs.existsSync(cacheFile) ? fs.readFileSync(cacheFile) : undefined;
    fs.rmSync(cacheFile, { force: true });
    assert.equal(dvOk(dir, ['status', '--json']), withCache, `step ${step}: status with and without the tree cache`);
    if (kept) fs.writeFileSync(cacheFile, kept);
    if (!r.chance(0.5)) continue;
    const before = fromIndexAlone(dir);
    const out = JSON.parse(dvOk(dir, ['commit', '--allow-empty', '-m', `step ${step}`, '--json']));
    commits++;
    const after = fromIndexAlone(dir);
    assert.equal(out.tree, before.root, `step ${step}: the commit's tree is the index's`);
    assert.equal(after.head, before.root);
    assert.ok(after.cached, `step ${step}: the commit stored its trees`);
    assert.deepEqual(after.cached, after.dirs, `step ${step}: the stored trees are the index's, directory for directory`);
    if (before.cached && before.cached.size > 0) reused++;
  }
  assert.ok(commits >= 10 && reused >= 5, `${commits} commits, ${reused} with trees to reuse`);
});

test('a stored tree that is missing from the store is built again', async () => {
  const dir = makeRepo({ 'a/x.csv': 'x\n', 'b/y.csv': 'y\n' });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'one']);
  const repo = openRepository(dir);
  try {
    const cache = readTreeCache(repo, currentVersion(repo), currentStamp(repo))!;
    assert.ok(cache.has('b' as RepoPath));
    cache.set('b' as RepoPath, { id: id(12345), size: 2 }); // as if gc had removed it
    putTreeCache(repo, cache, currentVersion(repo), currentStamp(repo));
  } finally {
    await repo.close();
  }
  fs.writeFileSync(path.join(dir, 'a/x.csv'), 'x2\n');
  dvOk(dir, ['add', 'a']);
  const out = JSON.parse(dvOk(dir, ['commit', '-m', 'two', '--json']));
  assert.equal(out.tree, fromIndexAlone(dir).root);
  dvOk(dir, ['fsck']);
});
