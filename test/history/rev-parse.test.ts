import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRevision, resolveCommit, resolveTreeish, resolveRevPath } from '../../src/history/index.js';
import { AmbiguousError, InvalidInputError, NotFoundError } from '../../src/errors/index.js';
import { storeBytes } from '../../src/store/index.js';
import type { Oid } from '../../src/hash/index.js';
import { newRepo, commitOn, commitFiles } from './fixtures.js';

/** main: c1 — c2 — c3 — m — m2, with side: c2 — s1 — s2 merged at m. */
function history() {
  const repo = newRepo();
  const c1 = commitOn(repo, { 'a.csv': '1', 'dir/b.txt': 'b' }, 'one');
  const c2 = commitOn(repo, { 'a.csv': '2', 'dir/b.txt': 'b' }, 'two');
  repo.refs.update({ name: 'refs/heads/side', new: c2, expect: null, message: 'branch' });
  const s1 = commitOn(repo, { 'a.csv': '2', 'dir/b.txt': 'b', 's.txt': 's1' }, 'side one', 'side');
  const s2 = commitOn(repo, { 'a.csv': '2', 'dir/b.txt': 'b', 's.txt': 's2' }, 'side two', 'side');
  const c3 = commitOn(repo, { 'a.csv': '3', 'dir/b.txt': 'b' }, 'three');
  const m = commitOn(repo, { 'a.csv': '3', 'dir/b.txt': 'b', 's.txt': 's2' }, 'merge', 'main', [s2]);
  const m2 = commitOn(repo, { 'a.csv': '4', 'dir/b.txt': 'b', 's.txt': 's2' }, 'four');
  return { repo, c1, c2, c3, s1, s2, m, m2 };
}

test('names: HEAD, @, full id, prefix, branch, full ref, remote-tracking', () => {
  const { repo, m2, s2, c2 } = history();
  assert.equal(resolveRevision(repo, 'HEAD'), m2);
  assert.equal(resolveRevision(repo, '@'), m2);
  assert.equal(resolveRevision(repo, m2), m2);
  assert.equal(resolveRevision(repo, m2.slice(0, 10)), m2);
  assert.equal(resolveRevision(repo, m2.slice(0, 10).toUpperCase()), m2);
  assert.equal(resolveRevision(repo, 'main'), m2);
  assert.equal(resolveRevision(repo, 'side'), s2);
  assert.equal(resolveRevision(repo, 'refs/heads/side'), s2);
  assert.equal(resolveRevision(repo, 'heads/side'), s2);
  repo.refs.update({ name: 'refs/remotes/origin/main', new: c2, message: 'fetch' });
  assert.equal(resolveRevision(repo, 'origin/main'), c2);
  assert.equal(resolveRevision(repo, 'refs/remotes/origin/main'), c2);
});

test('tags: lightweight and annotated; resolveCommit peels', () => {
  const { repo, c1, c3 } = history();
  repo.refs.update({ name: 'refs/tags/v1', new: c1, message: 'tag' });
  const tagId = repo.objects.writeTag({
    object: c3, objectKind: 'commit', name: 'v3', message: 'release',
    tagger: { name: 'T', email: 't@e', ms: 0, tz: 0 },
  });
  repo.refs.update({ name: 'refs/tags/v3', new: tagId, message: 'tag' });
  assert.equal(resolveRevision(repo, 'v1'), c1);
  assert.equal(resolveRevision(repo, 'v3'), tagId);
  assert.equal(resolveCommit(repo, 'v3'), c3);
  assert.equal(resolveRevision(repo, 'v3^{}'), c3);
  assert.equal(resolveRevision(repo, 'v3^0'), c3);
  assert.equal(resolveRevision(repo, 'v3~1'), resolveCommit(repo, 'main~3'));
  assert.equal(resolveTreeish(repo, 'v3'), repo.objects.readCommit(c3).tree);
});

test('ancestry: ~N, ^, ^N, ^0 and chains', () => {
  const { repo, c1, c2, c3, s1, s2, m, m2 } = history();
  assert.equal(resolveRevision(repo, 'HEAD~1'), m);
  assert.equal(resolveRevision(repo, 'HEAD^'), m);
  assert.equal(resolveRevision(repo, 'HEAD~'), m);
  assert.equal(resolveRevision(repo, 'HEAD^0'), m2);
  assert.equal(resolveRevision(repo, 'HEAD~2'), c3);
  assert.equal(resolveRevision(repo, 'HEAD^^'), c3);
  assert.equal(resolveRevision(repo, 'HEAD~1^2'), s2);
  assert.equal(resolveRevision(repo, 'main~1^2~1'), s1);
  assert.equal(resolveRevision(repo, 'main^^2^'), s1);
  assert.equal(resolveRevision(repo, 'main~4'), c1);
  assert.equal(resolveRevision(repo, 'HEAD~1^1'), c3);
  assert.equal(resolveRevision(repo, `${m.slice(0, 8)}^2`), s2);
  assert.equal(resolveRevision(repo, 'side~1~1'), c2);
});

test('REV:path names a tree entry; REV: names the root tree', () => {
  const { repo, c1, m2 } = history();
  const e = resolveRevPath(repo, 'main~4:dir/b.txt');
  assert.equal(e.kind, 'file');
  assert.equal(e.size, 1);
  assert.equal(e.path, 'dir/b.txt');
  assert.equal(e.rev, 'main~4');
  assert.equal(e.tree, repo.objects.readCommit(c1).tree);
  assert.equal(repo.objects.readContentBuffer(resolveRevision(repo, 'HEAD:a.csv')).toString(), '4');
  const dir = resolveRevPath(repo, 'HEAD:dir');
  assert.equal(dir.kind, 'tree');
  assert.equal(resolveTreeish(repo, 'HEAD:dir'), dir.id);
  const root = resolveRevPath(repo, 'HEAD:');
  assert.equal(root.id, repo.objects.readCommit(m2).tree);
  assert.equal(root.size, 4);
  assert.equal(resolveRevPath(repo, 'HEAD:./dir//b.txt').path, 'dir/b.txt');
});

test('failures: unknown names, past the root, missing parents and paths, bad syntax', () => {
  const { repo, c1 } = history();
  assert.throws(() => resolveRevision(repo, 'nope'), (e: unknown) =>
    e instanceof NotFoundError && e.message === "unknown revision 'nope'" && !!e.hint);
  assert.throws(() => resolveRevision(repo, 'HEAD~10'), (e: unknown) =>
    e instanceof NotFoundError && e.message.includes("'HEAD~10'") && e.message.includes('past the root') && (e.hint ?? '').includes('HEAD~4'));
  assert.throws(() => resolveRevision(repo, `${c1}^`), NotFoundError);
  assert.throws(() => resolveRevision(repo, 'HEAD~1^3'), (e: unknown) =>
    e instanceof NotFoundError && e.message.includes("'HEAD~1^3'") && e.message.includes('only 2 parents'));
  assert.throws(() => resolveRevPath(repo, 'HEAD:missing.csv'), (e: unknown) =>
    e instanceof NotFoundError && e.message === "path 'missing.csv' does not exist in HEAD");
  assert.throws(() => resolveRevPath(repo, 'HEAD:a.csv/x'), NotFoundError);
  assert.throws(() => resolveRevPath(repo, 'HEAD:../x'), InvalidInputError);
  assert.throws(() => resolveRevPath(repo, ':a.csv'), InvalidInputError);
  assert.throws(() => resolveRevPath(repo, 'HEAD'), InvalidInputError);
  assert.throws(() => resolveRevision(repo, 'main~x'), InvalidInputError);
  assert.throws(() => resolveRevision(repo, '~1'), InvalidInputError);
  assert.throws(() => resolveRevision(repo, 'HEAD^{blob}'), InvalidInputError);
  assert.throws(() => resolveRevision(repo, 'abc'), NotFoundError, 'three hex characters are too few');
  assert.throws(() => resolveRevision(repo, '0'.repeat(64)), NotFoundError);
  assert.throws(() => resolveCommit(repo, 'HEAD:dir'), (e: unknown) => e instanceof InvalidInputError && e.message.includes('not a commit'));
  assert.throws(() => resolveCommit(repo, 'HEAD^{tree}'), InvalidInputError);
  assert.throws(() => resolveTreeish(repo, 'HEAD:a.csv'), InvalidInputError);
});

test('an unborn HEAD is a clear NotFoundError', () => {
  const repo = newRepo();
  assert.throws(() => resolveRevision(repo, 'HEAD'), (e: unknown) =>
    e instanceof NotFoundError && e.message.includes('refs/heads/main') && e.message.includes('no commits'));
  assert.throws(() => resolveCommit(repo, 'main'), (e: unknown) => e instanceof NotFoundError && e.message === "unknown revision 'main'");
});

test('ambiguous short ids list the candidates; a commit context prefers the one commit', () => {
  const repo = newRepo();
  const batch = repo.objects.batch();
  const byPrefix = new Map<string, Oid>();
  let pair: [Oid, Oid] | undefined;
  for (let i = 0; !pair && i < 20000; i++) {
    const id = storeBytes(batch, Buffer.from(`blob ${i}`)).id;
    const other = byPrefix.get(id.slice(0, 4));
    if (other) pair = [other, id];
    else byPrefix.set(id.slice(0, 4), id);
  }
  batch.flush();
  assert.ok(pair, 'found two blobs sharing a 4-character prefix');
  const prefix = pair[0].slice(0, 4);
  assert.throws(() => resolveRevision(repo, prefix), (e: unknown) =>
    e instanceof AmbiguousError && e.message.includes(pair[0].slice(0, 12)) && e.message.includes(pair[1].slice(0, 12)) &&
    (e.data.candidates as unknown[]).length === 2);
  // A commit whose id shares a prefix with some blob: as a commit-ish it resolves, as a plain name it is ambiguous.
  let commit: Oid | undefined;
  for (let i = 0; !commit && i < 20000; i++) {
    const c = commitFiles(repo, {}, [], `try ${i}`, i);
    if (byPrefix.has(c.slice(0, 4)) && c.slice(0, 4) !== prefix) commit = c;
  }
  assert.ok(commit);
  const p = commit.slice(0, 4);
  assert.equal(resolveCommit(repo, p), commit);
  assert.equal(resolveRevision(repo, `${p}^0`), commit);
  assert.throws(() => resolveRevision(repo, p), AmbiguousError);
});
