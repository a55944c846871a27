import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Oid } from '../../src/hash/index.js';
import { openRepository } from '../../src/repo/index.js';
import { dv, dvOk, makeRepo, writeFiles } from '../helpers.js';
import { commitOnHead } from '../maintenance/build.js';

/** Passes while every temperature in data/weather.csv is plausible (>= -60). */
const CHECK = `
import fs from 'node:fs';
const rows = fs.readFileSync('data/weather.csv', 'utf8').trim().split('\\n').slice(1);
const bad = rows.filter((r) => Number(r.split(',')[1]) < -60);
if (bad.length) console.log('implausible rows: ' + bad.length);
process.exit(bad.length ? 1 : 0);
`;

/**
 * A repository with 20 commits, each appending a day to data/weather.csv; from day
 * `breakAt` on, a corrupted reading (-999) is in the file. Returns the commit ids.
 */
async function weatherHistory(breakAt: number, extra: (day: number) => Record<string, string> = () => ({})): Promise<{ dir: string; commits: Oid[] }> {
  const dir = makeRepo();
  writeFiles(dir, { 'check.mjs': CHECK });
  const repo = openRepository(dir);
  const commits: Oid[] = [];
  let csv = 'day,temp\n';
  for (let day = 0; day < 20; day++) {
    csv += `${day},${day === breakAt ? -999 : 10 + (day % 7)}\n`;
    commits.push(commitOnHead(repo, { 'data/weather.csv': csv, ...extra(day) }, `day ${day}\n\nupstream refresh ${day}`));
  }
  await repo.close();
  dvOk(dir, ['checkout', '--force', 'main']);
  return { dir, commits };
}

function head(dir: string): string {
  return dvOk(dir, ['rev-parse', 'HEAD']).trim();
}

test('bisect run finds the first bad commit with a Node check script, then reset returns to main', async () => {
  const { dir, commits } = await weatherHistory(13);
  const start = dv(dir, ['bisect', 'start', 'main', commits[0]!]);
  assert.equal(start.code, 0, start.stderr);
  assert.match(start.stdout, /^Bisecting: 19 commits left to search \(roughly 5 steps\)\n\[[0-9a-f]{12}\] day \d+\n$/);

  const r = dv(dir, ['bisect', 'run', '--', 'node', 'check.mjs']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${commits[13]} is the first bad commit$`, 'm'));
  assert.match(r.stdout, /day 13/);
  assert.match(r.stdout, /data\/weather\.csv/);
  assert.match(r.stdout, /implausible rows: 1/, "the command's own output is shown");
  assert.match(r.stderr, /running 'node check\.mjs' at/);

  const log = JSON.parse(dvOk(dir, ['bisect', 'log', '--json']));
  assert.equal(log.log[0].action, 'start');
  assert.ok(log.log.length >= 4 && log.log.length <= 6, `${log.log.length - 1} tests`);
  assert.equal(log.status.state, 'found');
  assert.equal(log.status.firstBad.id, commits[13]);
  assert.match(dvOk(dir, ['bisect', 'log']), /# first bad commit: \[[0-9a-f]{12}\] day 13/);

  const reset = dv(dir, ['bisect', 'reset']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal(reset.stdout, "Switched to branch 'main'\n");
  assert.equal(head(dir), commits[19]);
  assert.equal(fs.readFileSync(path.join(dir, 'data/weather.csv'), 'utf8').split('\n').length, 22);
  assert.equal(dv(dir, ['bisect', 'log']).code, 1, 'no bisect in progress any more');
  assert.equal(dvOk(dir, ['bisect', 'reset']), 'not bisecting\n');
});

test('bisect run --json prints one JSON document with the first bad commit and its changes', async () => {
  const { dir, commits } = await weatherHistory(4);
  dvOk(dir, ['bisect', 'start', 'HEAD', 'HEAD~19']);
  const r = dv(dir, ['bisect', 'run', '--json', '--', 'node', 'check.mjs']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.state, 'found');
  assert.equal(result.firstBad.id, commits[4]);
  assert.equal(result.firstBad.subject, 'day 4');
  assert.equal(result.firstBad.parents[0], commits[3]);
  assert.deepEqual(result.firstBad.changes.map((c: { path: string; status: string }) => [c.path, c.status]), [['data/weather.csv', 'modified']]);
  assert.equal(result.firstBad.summary.modified, 1);
  assert.match(r.stderr, /implausible rows/, "the command's stdout went to stderr");
});

test('a single string runs through the shell; exit 125 skips; the culprit next to skips is still found', async () => {
  const { dir, commits } = await weatherHistory(9, (day) => ({ 'data/untestable': day === 10 || day === 11 ? 'yes' : 'no' }));
  dvOk(dir, ['bisect', 'start', commits[19]!, commits[0]!]);
  const r = dv(dir, ['bisect', 'run', 'grep -q yes data/untestable && exit 125; node check.mjs']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${commits[9]} is the first bad commit`, 'm'));
  const log = JSON.parse(dvOk(dir, ['bisect', 'log', '--json']));
  const skipped = log.log.filter((e: { action: string }) => e.action === 'skip').map((e: { commit: string }) => e.commit);
  assert.ok(skipped.length >= 1, 'the untestable candidate was skipped');
  for (const s of skipped) assert.ok([commits[10], commits[11]].includes(s));
  dvOk(dir, ['bisect', 'reset']);
});

test('when only skipped commits are left, bisect run lists them and exits 1', async () => {
  const { dir, commits } = await weatherHistory(6);
  dvOk(dir, ['bisect', 'start', commits[7]!, commits[4]!]);
  const r = dv(dir, ['bisect', 'run', '--json', '--', 'node', '-e', 'process.exit(125)']);
  assert.equal(r.code, 1);
  const result = JSON.parse(r.stdout);
  assert.equal(result.state, 'only-skipped');
  assert.deepEqual(result.candidates.map((c: { id: string }) => c.id).sort(), [commits[5], commits[6], commits[7]].sort());
  assert.match(r.stderr, /dv: bisect run cannot finish: only skipped commits are left/);
});

test('an exit code of 128 or more stops bisect run with an error and keeps the bisection', async () => {
  const { dir, commits } = await weatherHistory(13);
  dvOk(dir, ['bisect', 'start', 'main', commits[0]!]);
  const before = head(dir);
  const r = dv(dir, ['bisect', 'run', '--', 'node', '-e', 'process.exit(130)']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^dv: bisect run stopped: 'node -e process.exit\\(130\\)' exited with 130 at ${before.slice(0, 12)}$`, 'm'));
  assert.equal(head(dir), before, 'nothing was marked or checked out');
  assert.equal(JSON.parse(dvOk(dir, ['bisect', 'log', '--json'])).log.length, 1);
  const killed = dv(dir, ['bisect', 'run', '--', 'node', '-e', 'process.kill(process.pid, "SIGKILL")']);
  assert.equal(killed.code, 1);
  assert.match(killed.stderr, /was killed by SIGKILL/);
  const missing = dv(dir, ['bisect', 'run', '--', 'no-such-command-dv-test']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^dv: cannot run 'no-such-command-dv-test'/m);
  // Through the shell, "not found" is exit 127: on the first test that stops the run instead of meaning bad.
  const notFound = dv(dir, ['bisect', 'run', 'no-such-command-dv-test --flag']);
  assert.equal(notFound.code, 1);
  assert.match(notFound.stderr, /exited with 127/);
  assert.match(notFound.stderr, /hint: the command could not be found or run/);
  dvOk(dir, ['bisect', 'reset']);
  assert.equal(head(dir), commits[19]);
});

test('manual good/bad steps narrow down to the first bad commit, with --json at each step', async () => {
  const { dir, commits } = await weatherHistory(3);
  let s = JSON.parse(dvOk(dir, ['bisect', 'start', 'main', 'main~19', '--json']));
  for (let i = 0; i < 10 && s.state === 'testing'; i++) {
    const n = commits.indexOf(s.commit);
    assert.equal(head(dir), s.commit, 'the candidate is checked out');
    s = JSON.parse(dvOk(dir, ['bisect', n >= 3 ? 'bad' : 'good', '--json']));
  }
  assert.equal(s.state, 'found');
  assert.equal(s.firstBad.id, commits[3]);
  const human = dvOk(dir, ['bisect', 'good', commits[2]!]);
  assert.match(human, new RegExp(`^${commits[3]} is the first bad commit`));
  dvOk(dir, ['bisect', 'reset']);
});

test('bisect refuses bad input and leaves the repository as it was', async () => {
  const { dir, commits } = await weatherHistory(13);
  const notBisecting = dv(dir, ['bisect', 'good']);
  assert.equal(notBisecting.code, 1);
  assert.equal(notBisecting.stderr, 'dv: no bisect in progress\nhint: start one with `dv bisect start BAD GOOD`\n');
  assert.equal(dv(dir, ['bisect', 'run', '--', 'true']).code, 1);

  const swapped = dv(dir, ['bisect', 'start', commits[0]!, 'main']);
  assert.equal(swapped.code, 1);
  assert.match(swapped.stderr, /^dv: the bad commit [0-9a-f]{12} is an ancestor of a good commit/);
  assert.match(swapped.stderr, /hint: did you swap good and bad/);
  assert.equal(dv(dir, ['bisect', 'log']).code, 1, 'nothing was started');
  assert.equal(head(dir), commits[19]);

  const unknown = dv(dir, ['bisect', 'start', 'main', 'no-such-rev']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^dv: .*no-such-rev/);

  assert.equal(dv(dir, ['bisect', 'start', 'main']).code, 2, 'a good commit is required');
  assert.equal(dv(dir, ['bisect']).code, 2);

  // Local changes block the checkout: nothing is started.
  fs.appendFileSync(path.join(dir, 'data/weather.csv'), '20,11\n');
  const dirty = dv(dir, ['bisect', 'start', 'main', commits[0]!]);
  assert.equal(dirty.code, 1);
  assert.match(dirty.stderr, /^dv: checkout would overwrite local changes/);
  assert.equal(dv(dir, ['bisect', 'log']).code, 1);
  assert.equal(head(dir), commits[19]);

  dvOk(dir, ['checkout', '--force', 'main']);
  dvOk(dir, ['bisect', 'start', 'main', commits[0]!]);
  const twice = dv(dir, ['bisect', 'start', 'main', commits[0]!]);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /^dv: a bisect is already in progress/);
  dvOk(dir, ['bisect', 'reset']);
});

test('gc keeps the commits a bisection refers to, and fsck passes during a bisection', async () => {
  const { dir } = await weatherHistory(13);
  dvOk(dir, ['bisect', 'start', 'main', 'main~19']);
  dvOk(dir, ['bisect', 'bad']);
  const check = JSON.parse(dvOk(dir, ['fsck', '--json']));
  assert.equal(check.ok, true);
  assert.equal(JSON.parse(dvOk(dir, ['gc', '--json'])).removed, 0);
  dvOk(dir, ['bisect', 'reset']);
});
