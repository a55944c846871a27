import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dv, dvOk } from '../helpers.js';
import { buildRepo, standardHistory, expectFailure, refsSnapshot } from '../history/cli-fixture.js';

const history = () => buildRepo((repo) => standardHistory(repo));

test('branch: list marks the current branch; -v shows tips; --json', async () => {
  const { dir, m, s1 } = await history();
  assert.equal(dvOk(dir, ['branch']), '* main\n  side\n');
  assert.equal(dvOk(dir, ['branch', '-v']), `* main ${m.slice(0, 12)} Merge side\n  side ${s1.slice(0, 12)} Side data\n`);
  const list = JSON.parse(dvOk(dir, ['branch', '--json']));
  assert.deepEqual(list.map((b: { name: string; current: boolean; id: string }) => [b.name, b.current, b.id]), [['main', true, m], ['side', false, s1]]);
  assert.equal(dvOk(dir, ['branch', '--list', 's*']), '  side\n');
});

test('branch: create at HEAD or at a start revision; -f moves an existing one', async () => {
  const { dir, m, c1, c2 } = await history();
  assert.equal(dvOk(dir, ['branch', 'fix']), '');
  assert.equal(dvOk(dir, ['rev-parse', 'fix']), `${m}\n`);
  dvOk(dir, ['branch', 'old', 'main~3']);
  assert.equal(dvOk(dir, ['rev-parse', 'old']), `${c1}\n`);
  dvOk(dir, ['branch', 'team/feature-1', 'side^']);
  assert.equal(dvOk(dir, ['rev-parse', 'refs/heads/team/feature-1']), `${c2}\n`);
  dvOk(dir, ['branch', '-f', 'old', 'main~2']);
  assert.equal(dvOk(dir, ['rev-parse', 'old']), `${c2}\n`);
  assert.equal(dvOk(dir, ['rev-parse', '--abbrev-ref', 'HEAD']), 'main\n', 'creating a branch does not switch to it');
  const created = JSON.parse(dvOk(dir, ['branch', 'j', 'main~1', '--json']));
  assert.equal(created.name, 'j');
  assert.equal(created.current, false);
  assert.match(dvOk(dir, ['reflog', 'old']), /branch: reset to main~2\n.*branch: created from main~3\n$/);
});

test('branch refusals leave the repository unchanged', async () => {
  const { dir } = await history();
  const before = refsSnapshot(dir);
  expectFailure(dv(dir, ['branch', 'side']), 1, "a branch named 'side' already exists");
  expectFailure(dv(dir, ['branch', '-f', 'main', 'side']), 1, "cannot move the checked-out branch 'main'");
  expectFailure(dv(dir, ['branch', 'bad..name']), 1, 'invalid branch name: "bad..name"');
  expectFailure(dv(dir, ['branch', 'x.lock']), 1, 'invalid branch name: "x.lock"');
  expectFailure(dv(dir, ['branch', 'has space']), 1, 'invalid branch name: "has space"');
  expectFailure(dv(dir, ['branch', 'new', 'nope']), 1, "unknown revision 'nope'");
  expectFailure(dv(dir, ['branch', 'new', 'HEAD:readme.txt']), 1, "'HEAD:readme.txt' names a file, not a commit");
  expectFailure(dv(dir, ['branch', 'a', 'b', 'c']), 2, 'branch takes NAME [START]');
  expectFailure(dv(dir, ['branch', '-d']), 2, 'branch -d needs the name of a branch to delete');
  expectFailure(dv(dir, ['branch', '-d', 'x', '-m', 'y']), 2, 'use only one of -d, -m and --list');
  assert.equal(refsSnapshot(dir), before);
});

test('branch -d: refuses the current branch, unmerged and missing ones; -D forces', async () => {
  const { dir, s1 } = await history();
  dvOk(dir, ['branch', 'ahead', 'main']);
  const before = refsSnapshot(dir);
  const cur = dv(dir, ['branch', '-d', 'main']);
  expectFailure(cur, 1, "cannot delete branch 'main': it is checked out");
  assert.match(cur.stderr, /\nhint: /);
  expectFailure(dv(dir, ['branch', '-D', 'main']), 1, "cannot delete branch 'main': it is checked out");
  expectFailure(dv(dir, ['branch', '-d', 'nope']), 1, "branch 'nope' not found");
  // All or nothing: one missing name leaves the others too.
  expectFailure(dv(dir, ['branch', '-d', 'side', 'nope']), 1, "branch 'nope' not found");
  assert.equal(refsSnapshot(dir), before);

  // side is merged into main; a branch with commits main lacks needs -D.
  assert.equal(dvOk(dir, ['branch', '-d', 'side']), `Deleted branch side (was ${s1.slice(0, 12)}).\n`);
  const bu = await buildRepo((repo) => {
    const h = standardHistory(repo);
    repo.refs.update({ name: 'refs/heads/main', new: h.c3, expect: h.m, message: 'reset' });
    return h;
  });
  const before2 = refsSnapshot(bu.dir);
  const r = dv(bu.dir, ['branch', '-d', 'side']);
  expectFailure(r, 1, "branch 'side' is not fully merged into HEAD");
  assert.match(r.stderr, /hint: delete it anyway with `dv branch -D side`/);
  assert.equal(refsSnapshot(bu.dir), before2);
  dvOk(bu.dir, ['branch', '-D', 'side']);
  assert.equal(dvOk(bu.dir, ['branch']), '* main\n');
  // The deleted branch's reflog is still there.
  assert.match(dvOk(bu.dir, ['reflog', 'side']), /^0{12} side@\{0\}: branch: deleted\n/);
});

test('branch -m renames, moving HEAD along; refusals change nothing', async () => {
  const { dir, m, s1 } = await history();
  dvOk(dir, ['branch', '-m', 'main', 'trunk']);
  assert.equal(dvOk(dir, ['branch']), '  side\n* trunk\n');
  assert.equal(dvOk(dir, ['rev-parse', 'HEAD']), `${m}\n`);
  dvOk(dir, ['branch', '-m', 'main']);
  assert.equal(dvOk(dir, ['rev-parse', '--abbrev-ref', 'HEAD']), 'main\n');
  dvOk(dir, ['branch', '-m', 'side', 'topic/side']);
  assert.equal(dvOk(dir, ['rev-parse', 'topic/side']), `${s1}\n`);
  const before = refsSnapshot(dir);
  expectFailure(dv(dir, ['branch', '-m', 'nope', 'x']), 1, "branch 'nope' not found");
  expectFailure(dv(dir, ['branch', '-m', 'topic/side', 'main']), 1, "a branch named 'main' already exists");
  expectFailure(dv(dir, ['branch', '-M', 'topic/side', 'main']), 1, "cannot overwrite the checked-out branch 'main'");
  expectFailure(dv(dir, ['branch', '-m', 'topic/side', 'bad~name']), 1, 'invalid branch name: "bad~name"');
  expectFailure(dv(dir, ['branch', '-m']), 2, 'branch -m takes [OLD] NEW');
  assert.equal(refsSnapshot(dir), before);
});

test('tag: lightweight refs and annotated tag objects', async () => {
  const { dir, c1, m } = await history();
  dvOk(dir, ['tag', 'v0', 'main~3']);
  assert.equal(dvOk(dir, ['rev-parse', 'v0']), `${c1}\n`);
  const env = { DV_DATE: '2025-03-04T05:06:07+02:00' };
  dvOk(dir, ['tag', '-a', 'v1', '-m', 'Data as published'], { env });
  const tagId = dvOk(dir, ['rev-parse', 'v1']).trim();
  assert.notEqual(tagId, m, 'an annotated tag is its own object');
  assert.equal(dvOk(dir, ['rev-parse', 'v1^{commit}']), `${m}\n`);
  assert.equal(dvOk(dir, ['rev-parse', 'v1~1']), dvOk(dir, ['rev-parse', 'main~1']));
  const shown = JSON.parse(dvOk(dir, ['show', 'v1', '--json']));
  assert.equal(shown.type, 'tag');
  assert.equal(shown.name, 'v1');
  assert.equal(shown.message, 'Data as published');
  assert.equal(shown.tagger.name, 'Test User');
  assert.equal(shown.tagger.email, 'test@example.com');
  assert.equal(shown.tagger.date, '2025-03-04T05:06:07+02:00');
  assert.equal(shown.target.id, m);
  assert.match(dvOk(dir, ['show', 'v1']), /^tag v1\nTagger: Test User <test@example.com>\nDate: {3}2025-03-04T05:06:07\+02:00\n\n {4}Data as published\n\ncommit /);
  // -m alone implies -a; DV_DATE makes the tag id reproducible.
  dvOk(dir, ['tag', 'v1-again', '-m', 'Data as published'], { env });
  assert.notEqual(dvOk(dir, ['rev-parse', 'v1-again']).trim(), tagId, 'the name is part of the tag object');
  assert.equal(dvOk(dir, ['tag']), 'v0\nv1\nv1-again\n');
  const list = JSON.parse(dvOk(dir, ['tag', '--json']));
  assert.deepEqual(list.map((t: { name: string; annotated: boolean; target: string }) => [t.name, t.annotated, t.target]),
    [['v0', false, c1], ['v1', true, m], ['v1-again', true, m]]);
  assert.equal(dvOk(dir, ['tag', '-l', 'v1*']), 'v1\nv1-again\n');
  assert.match(dvOk(dir, ['log', '-n', '1']), /\(tag: v1, tag: v1-again, HEAD -> main\)|\(HEAD -> main, tag: v1, tag: v1-again\)/);
});

test('tag -d, -f, and refusals that leave the repository unchanged', async () => {
  const { dir, c2 } = await history();
  dvOk(dir, ['tag', 'v1']);
  const before = refsSnapshot(dir);
  expectFailure(dv(dir, ['tag', 'v1']), 1, "tag 'v1' already exists");
  expectFailure(dv(dir, ['tag', 'bad:name']), 1, 'invalid tag name: "bad:name"');
  expectFailure(dv(dir, ['tag', '-a', 'v2']), 2, 'an annotated tag needs a message: -m MSG');
  expectFailure(dv(dir, ['tag', 'v2', 'nope']), 1, "unknown revision 'nope'");
  expectFailure(dv(dir, ['tag', '-d', 'nope']), 1, "tag 'nope' not found");
  expectFailure(dv(dir, ['tag', '-d', 'v1', 'nope']), 1, "tag 'nope' not found");
  expectFailure(dv(dir, ['tag', '-d']), 2, 'tag -d needs the name of a tag to delete');
  expectFailure(dv(dir, ['tag', 'a', 'b', 'c']), 2, 'tag takes NAME [REV]');
  assert.equal(refsSnapshot(dir), before);
  dvOk(dir, ['tag', '-f', 'v1', 'main~2']);
  assert.equal(dvOk(dir, ['rev-parse', 'v1']), `${c2}\n`);
  assert.equal(dvOk(dir, ['tag', '-d', 'v1']), `Deleted tag 'v1' (was ${c2.slice(0, 12)})\n`);
  assert.equal(dvOk(dir, ['tag']), '');
  expectFailure(dv(dir, ['rev-parse', 'v1']), 1, "unknown revision 'v1'");
});

test('reflog: HEAD by default, a branch by short name, -n, --json; unknown refs fail', async () => {
  const { dir, m, c3, c1 } = await history();
  const head = dvOk(dir, ['reflog']).trimEnd().split('\n');
  assert.equal(head[0], `${m.slice(0, 12)} HEAD@{0}: commit: Merge side`);
  assert.equal(head[1], `${c3.slice(0, 12)} HEAD@{1}: commit: Fix row 1`);
  assert.equal(head.at(-1), `${'0'.repeat(12)} HEAD@{${head.length - 1}}: init`);
  assert.ok(!head.some((l) => l.includes('Upstream added')), 'multi-line messages show their first line');
  assert.equal(dvOk(dir, ['reflog', 'main', '-n', '1']), `${m.slice(0, 12)} main@{0}: commit: Merge side\n`);
  assert.equal(dvOk(dir, ['reflog', 'refs/heads/main']).split('\n').length, dvOk(dir, ['reflog', 'main']).split('\n').length);
  const side = JSON.parse(dvOk(dir, ['reflog', 'side', '--json']));
  assert.equal(side.length, 2);
  assert.equal(side[1].message, 'branch: created');
  assert.equal(side[0].ref, 'refs/heads/side');
  assert.equal(typeof side[0].who, 'string');
  assert.equal(side[1].old, null);
  dvOk(dir, ['tag', 'v0', c1]);
  assert.match(dvOk(dir, ['reflog', 'v0']), /^[0-9a-f]{12} v0@\{0\}: tag: created at [0-9a-f]{64}\n$/);
  expectFailure(dv(dir, ['reflog', 'nope']), 1, "no reflog for 'nope': no such ref");
  expectFailure(dv(dir, ['reflog', '-n', '1.5']), 2, /^dv: -n needs a whole number/);
});
