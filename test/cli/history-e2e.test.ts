import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dv, dvOk, makeRepo, writeFiles } from '../helpers.js';
import { expectFailure, refsSnapshot } from '../history/cli-fixture.js';

const env = { DV_DATE: '2025-01-02T03:04:05Z' };
const commit = (dir: string, msg: string) => dvOk(dir, ['commit', '-m', msg], { env }).trim().split(/\s+/).find((w) => /^[0-9a-f]{12,64}$/.test(w))!;

test('end to end: commits made with add/commit, then branches, tags, log, show, cat and reflog', () => {
  const dir = makeRepo({ 'data/raw/weather.csv': 'day,temp\n1,20\n', 'data/features.csv': 'f\n' });
  dvOk(dir, ['add', 'data']);
  commit(dir, 'Import weather');
  const first = dvOk(dir, ['rev-parse', 'HEAD']).trim();
  writeFiles(dir, { 'data/raw/weather.csv': 'day,temp\n1,21\n' });
  dvOk(dir, ['add', 'data/raw/weather.csv']);
  commit(dir, 'Upstream correction: day 1 was 21');
  const second = dvOk(dir, ['rev-parse', 'HEAD']).trim();
  assert.equal(dvOk(dir, ['rev-parse', 'HEAD~1']).trim(), first);

  // log, show and cat over real commits.
  assert.deepEqual(dvOk(dir, ['log', '--oneline']).trimEnd().split('\n'), [
    `${second.slice(0, 12)} Upstream correction: day 1 was 21`, `${first.slice(0, 12)} Import weather`,
  ]);
  assert.deepEqual(dvOk(dir, ['log', '--oneline', '--', 'data/features.csv']).trimEnd().split('\n').map((l) => l.slice(13)), ['Import weather']);
  assert.match(dvOk(dir, ['log', '-n', '1']), /^commit [0-9a-f]{64} \(HEAD -> main\)\nAuthor: Test User <test@example.com>\nDate: {3}2025-01-02T03:04:05Z\n/);
  assert.match(dvOk(dir, ['show']), /M {2}data\/raw\/weather\.csv {2}\(14 B -> 14 B\)\n 1 file changed, 1 modified/);
  assert.equal(dvOk(dir, ['cat', 'HEAD~1:data/raw/weather.csv']), 'day,temp\n1,20\n');
  assert.equal(dvOk(dir, ['cat', 'HEAD:data/raw/weather.csv']), 'day,temp\n1,21\n');
  assert.deepEqual(dvOk(dir, ['ls', '-r']).trimEnd().split('\n').map((l) => l.split('\t')[1]), ['data/features.csv', 'data/raw/weather.csv']);

  // Tags.
  dvOk(dir, ['tag', '-a', 'v1', 'HEAD~1', '-m', 'as first published'], { env });
  dvOk(dir, ['tag', 'latest']);
  assert.equal(dvOk(dir, ['rev-parse', 'v1^{commit}']).trim(), first);
  assert.equal(dvOk(dir, ['cat', 'v1:data/raw/weather.csv']), 'day,temp\n1,20\n');
  assert.equal(dvOk(dir, ['diff', 'v1', 'latest']), 'M  data/raw/weather.csv  (14 B -> 14 B)\n');

  // A branch, switched to with checkout, committed on, then merged state compared.
  dvOk(dir, ['branch', 'experiment', 'v1']);
  dvOk(dir, ['checkout', 'experiment']);
  assert.equal(dvOk(dir, ['branch']), '* experiment\n  main\n');
  assert.equal(dvOk(dir, ['cat', 'HEAD:data/raw/weather.csv']), 'day,temp\n1,20\n');
  writeFiles(dir, { 'data/features.csv': 'f\ng\n' });
  dvOk(dir, ['add', 'data/features.csv']);
  commit(dir, 'More features');
  assert.deepEqual(dvOk(dir, ['log', '--oneline']).trimEnd().split('\n').map((l) => l.slice(13)), ['More features', 'Import weather']);
  assert.equal(dvOk(dir, ['diff', 'main', 'experiment', '--stat']),
    ' data/features.csv    | 2 B -> 4 B (+2 B)\n data/raw/weather.csv | 14 B -> 14 B (+0 B)\n 2 files changed, 2 modified; +2 B, -0 B\n');

  // The checked-out branch cannot be deleted; main is not merged into experiment.
  const before = refsSnapshot(dir);
  expectFailure(dv(dir, ['branch', '-d', 'experiment']), 1, "cannot delete branch 'experiment': it is checked out");
  expectFailure(dv(dir, ['branch', '-d', 'main']), 1, "branch 'main' is not fully merged into HEAD");
  assert.equal(refsSnapshot(dir), before);

  // The reflog records commits and the checkout.
  const reflog = dvOk(dir, ['reflog']).trimEnd().split('\n');
  assert.match(reflog[0]!, /^[0-9a-f]{12} HEAD@\{0\}: commit: More features$/);
  assert.ok(reflog.length >= 4);
  const main = JSON.parse(dvOk(dir, ['reflog', 'main', '--json']));
  assert.equal(main[0].new, second);
  assert.equal(main.at(-1).new, first);

  // Back on main, the experiment branch is removed with -D.
  dvOk(dir, ['checkout', 'main']);
  dvOk(dir, ['branch', '-D', 'experiment']);
  assert.equal(dvOk(dir, ['branch']), '* main\n');
});
