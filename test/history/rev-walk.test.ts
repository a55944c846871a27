import { test } from 'node:test';
import assert from 'node:assert/strict';
import { walkCommits, describeObject } from '../../src/history/index.js';
import type { RepoPath } from '../../src/util/index.js';
import { newRepo, commitOn, commitFiles } from './fixtures.js';

const ids = (it: Iterable<{ id: string }>) => [...it].map((e) => e.id);

test('a linear history walks newest first and honours the limit', () => {
  const repo = newRepo();
  const a = commitOn(repo, { 'x.csv': '1' }, 'a');
  const b = commitOn(repo, { 'x.csv': '2' }, 'b');
  const c = commitOn(repo, { 'x.csv': '3' }, 'c');
  assert.deepEqual(ids(walkCommits(repo, [c])), [c, b, a]);
  assert.deepEqual(ids(walkCommits(repo, [c], { limit: 2 })), [c, b]);
  assert.deepEqual(ids(walkCommits(repo, [c], { limit: 0 })), []);
  assert.deepEqual(ids(walkCommits(repo, [b])), [b, a]);
});

test('merges: both sides appear once, by time, and no parent precedes its child despite clock skew', () => {
  const repo = newRepo();
  const base = commitFiles(repo, { f: '0' }, [], 'base', 1000);
  const left = commitFiles(repo, { f: '1' }, [base], 'left', 3000);
  const right = commitFiles(repo, { f: '2' }, [base], 'right', 2000);
  // The merge's clock is behind both its parents.
  const merge = commitFiles(repo, { f: '3' }, [left, right], 'merge', 500);
  assert.deepEqual(ids(walkCommits(repo, [merge])), [merge, left, right, base]);
  // A child whose clock is behind its parent still comes first.
  const skewed = commitFiles(repo, { f: '4' }, [merge], 'skewed', 100);
  assert.deepEqual(ids(walkCommits(repo, [skewed])), [skewed, merge, left, right, base]);
  // Several starts: their union, each commit once.
  assert.deepEqual(ids(walkCommits(repo, [right, left])), [left, right, base]);
});

test('path filter keeps commits that change a path (file or directory)', () => {
  const repo = newRepo();
  const c1 = commitOn(repo, { 'data/a.csv': '1', 'b.txt': 'b' }, 'one');
  const c2 = commitOn(repo, { 'data/a.csv': '1', 'b.txt': 'B' }, 'two');
  const c3 = commitOn(repo, { 'data/a.csv': '2', 'b.txt': 'B' }, 'three');
  const c4 = commitOn(repo, { 'b.txt': 'B' }, 'four');
  const c5 = commitOn(repo, { 'b.txt': 'B', 'data/a.csv': '9' }, 'five');
  const p = (...x: string[]) => ({ paths: x as RepoPath[] });
  assert.deepEqual(ids(walkCommits(repo, [c5], p('data/a.csv'))), [c5, c4, c3, c1]);
  assert.deepEqual(ids(walkCommits(repo, [c5], p('data'))), [c5, c4, c3, c1]);
  assert.deepEqual(ids(walkCommits(repo, [c5], p('b.txt'))), [c2, c1]);
  assert.deepEqual(ids(walkCommits(repo, [c5], p('b.txt', 'data'))), [c5, c4, c3, c2, c1]);
  assert.deepEqual(ids(walkCommits(repo, [c5], p('nope'))), []);
  assert.deepEqual(ids(walkCommits(repo, [c5], { ...p('data'), limit: 2 })), [c5, c4]);
  assert.deepEqual(ids(walkCommits(repo, [c5], p(''))).length, 5);
});

test('path filter on merges: a commit matching any parent at the path is left out', () => {
  const repo = newRepo();
  const base = commitFiles(repo, { f: '0', g: '0' }, [], 'base', 1000);
  const left = commitFiles(repo, { f: '1', g: '0' }, [base], 'left', 2000);
  const right = commitFiles(repo, { f: '0', g: '1' }, [base], 'right', 3000);
  const clean = commitFiles(repo, { f: '1', g: '1' }, [left, right], 'clean merge', 4000);
  const evil = commitFiles(repo, { f: '2', g: '1' }, [left, right], 'merge that changes f', 5000);
  assert.deepEqual(ids(walkCommits(repo, [clean], { paths: ['f' as RepoPath] })), [left, base]);
  assert.deepEqual(ids(walkCommits(repo, [evil], { paths: ['f' as RepoPath] })), [evil, left, base]);
});

test('describeObject covers commits, trees, tags and files', () => {
  const repo = newRepo();
  const c = commitOn(repo, { 'a.csv': 'hello', 'd/b': 'x' }, 'msg');
  const d = describeObject(repo, c);
  assert.equal(d.type, 'commit');
  if (d.type !== 'commit') return;
  assert.equal(d.message, 'msg');
  assert.match(d.author.date, /^2024-01-01T\d\d:\d\d:00Z$/);
  const t = describeObject(repo, d.tree);
  assert.equal(t.type, 'tree');
  if (t.type !== 'tree') return;
  assert.deepEqual(t.entries.map((e) => e.name), ['a.csv', 'd']);
  const f = describeObject(repo, t.entries[0]!.id);
  assert.deepEqual(f, { type: 'file', id: t.entries[0]!.id, size: 5, chunks: 1 });
  const tagId = repo.objects.writeTag({ object: c, objectKind: 'commit', name: 'v1', message: 'rel', tagger: { name: 'T', email: 't@e', ms: 0, tz: 60 } });
  const tg = describeObject(repo, tagId);
  assert.equal(tg.type, 'tag');
  if (tg.type !== 'tag') return;
  assert.equal(tg.tagger.date, '1970-01-01T01:00:00+01:00');
  assert.equal(tg.target.type, 'commit');
});
