import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffTrees, diffEntryMaps, diffStat, comparePaths, type EntryState } from '../../src/diff/index.js';
import { flattenTree } from '../../src/history/index.js';
import type { Oid } from '../../src/hash/index.js';
import type { RepoPath } from '../../src/util/index.js';
import type { ObjectStore } from '../../src/store/index.js';
import { newRepo, writeFixtureTree } from './fixtures.js';

const brief = (cs: ReturnType<typeof diffTrees>) => cs.map((c) => `${c.status} ${c.path}`);

test('added, deleted, modified, type changes and mode changes, in path order', () => {
  const repo = newRepo();
  const a = writeFixtureTree(repo, {
    'keep.csv': 'same', 'mod.csv': 'old', 'gone.csv': 'x', 'link': { content: 'target', kind: 'symlink' },
    'run.sh': 'echo', 'dir/deep/k.csv': 'k', 'dir/m.csv': '1', 'swap': 'file becomes a directory',
  });
  const b = writeFixtureTree(repo, {
    'keep.csv': 'same', 'mod.csv': 'new and longer', 'new.csv': 'n', 'link': 'now a file',
    'run.sh': { content: 'echo', kind: 'exec' }, 'dir/deep/k.csv': 'k', 'dir/m.csv': '2', 'swap/inner.csv': 'i',
  });
  const changes = diffTrees(repo.objects, a, b);
  assert.deepEqual(brief(changes), [
    'modified dir/m.csv', 'deleted gone.csv', 'type-changed link', 'modified mod.csv', 'added new.csv',
    'modified run.sh', 'deleted swap', 'added swap/inner.csv',
  ]);
  const mod = changes.find((c) => c.path === 'mod.csv')!;
  assert.equal(mod.old!.size, 3);
  assert.equal(mod.new!.size, 14);
  assert.notEqual(mod.old!.id, mod.new!.id);
  assert.equal(changes.find((c) => c.path === 'run.sh')!.new!.kind, 'exec');
  // Reverse diff mirrors it.
  assert.deepEqual(brief(diffTrees(repo.objects, b, a)), [
    'modified dir/m.csv', 'added gone.csv', 'type-changed link', 'modified mod.csv', 'deleted new.csv',
    'modified run.sh', 'added swap', 'deleted swap/inner.csv',
  ]);
  assert.deepEqual(diffTrees(repo.objects, a, a), []);
  assert.deepEqual(brief(diffTrees(repo.objects, null, a)).length, 8);
  assert.ok(diffTrees(repo.objects, a, null).every((c) => c.status === 'deleted'));
});

test('path filters restrict the diff to files and directories', () => {
  const repo = newRepo();
  const a = writeFixtureTree(repo, { 'x/a.csv': '1', 'x/b.csv': '1', 'y/c.csv': '1', 'z.csv': '1' });
  const b = writeFixtureTree(repo, { 'x/a.csv': '2', 'x/b.csv': '2', 'y/c.csv': '2', 'z.csv': '2' });
  const p = (...x: string[]) => ({ paths: x as RepoPath[] });
  assert.deepEqual(brief(diffTrees(repo.objects, a, b, p('x'))), ['modified x/a.csv', 'modified x/b.csv']);
  assert.deepEqual(brief(diffTrees(repo.objects, a, b, p('x/b.csv', 'z.csv'))), ['modified x/b.csv', 'modified z.csv']);
  assert.deepEqual(brief(diffTrees(repo.objects, a, b, p('nope'))), []);
  assert.equal(diffTrees(repo.objects, a, b, p('')).length, 4);
});

test('unchanged subtrees are never read', () => {
  const repo = newRepo();
  const files: Record<string, string> = { 'changed.csv': '1' };
  for (let i = 0; i < 50; i++) files[`big/d${i}/f.csv`] = `${i}`;
  const a = writeFixtureTree(repo, files);
  const b = writeFixtureTree(repo, { ...files, 'changed.csv': '2' });
  const reads: Oid[] = [];
  const counting = new Proxy(repo.objects, {
    get(target, prop, recv) {
      if (prop === 'readTree') return (id: Oid) => { reads.push(id); return target.readTree(id); };
      return Reflect.get(target, prop, recv);
    },
  }) as ObjectStore;
  assert.deepEqual(brief(diffTrees(counting, a, b)), ['modified changed.csv']);
  assert.deepEqual(reads, [a, b], 'only the two root trees were read');
});

test('diffEntryMaps agrees with diffTrees on flattened trees', () => {
  const repo = newRepo();
  const a = writeFixtureTree(repo, { 'a/b.csv': '1', 'a/c.csv': '1', 'a.csv': 'x', 'd': { content: 'l', kind: 'symlink' } });
  const b = writeFixtureTree(repo, { 'a/b.csv': '2', 'a.csv': 'x', 'a-b.csv': 'y', 'd': 'l' });
  const flat = (t: Oid) => new Map<RepoPath, EntryState>([...flattenTree(repo.objects, t)].map(([p, e]) => [p, { id: e.id, kind: e.kind as EntryState['kind'], size: e.size }]));
  assert.deepEqual(diffEntryMaps(flat(a), flat(b)), diffTrees(repo.objects, a, b));
  assert.deepEqual(diffEntryMaps(flat(b), flat(a), { paths: ['a' as RepoPath] }), diffTrees(repo.objects, b, a, { paths: ['a' as RepoPath] }));
});

test('comparePaths orders like a tree walk', () => {
  const sorted = ['a.csv', 'a/b', 'a-b', 'a/c'].sort(comparePaths);
  // The directory 'a' sorts before 'a-b' and 'a.csv' by name, so its contents come first.
  assert.deepEqual(sorted, ['a/b', 'a/c', 'a-b', 'a.csv']);
});

test('diffStat gives per-file size changes and a summary', () => {
  const repo = newRepo();
  const a = writeFixtureTree(repo, { 'm.csv': '12345', 'd.csv': '123', 'l': { content: 't', kind: 'symlink' } });
  const b = writeFixtureTree(repo, { 'm.csv': '12', 'n.csv': '1234567', 'l': 'tt' });
  const s = diffStat(diffTrees(repo.objects, a, b));
  assert.deepEqual(s.files.map((f) => [f.path, f.status, f.oldSize, f.newSize, f.delta]), [
    ['d.csv', 'deleted', 3, 0, -3], ['l', 'type-changed', 1, 2, 1], ['m.csv', 'modified', 5, 2, -3], ['n.csv', 'added', 0, 7, 7],
  ]);
  assert.deepEqual(s.summary, { files: 4, added: 1, deleted: 1, modified: 1, typeChanged: 1, bytesAdded: 8, bytesRemoved: 6 });
});
