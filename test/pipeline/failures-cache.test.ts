import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DV, TEST_ENV, dv, dvOk, writeFiles } from '../helpers.js';
import { COUNTING_DOUBLE, dvJson, makeProject, read, runCount } from './fixture.js';

const DOUBLE_STAGE = 'stages:\n  double:\n    cmd: node scripts/double.mjs data/in.csv data/out.csv\n    deps: [scripts/double.mjs, data/in.csv]\n    outs: [data/out.csv]\n';

test('a failing command leaves the previous outputs, records a failed run with its logs, and prints the exit code and stderr tail', () => {
  const dir = makeProject({ 'scripts/double.mjs': COUNTING_DOUBLE, 'data/in.csv': 'id,v\n1,10\n', 'dv.yaml': DOUBLE_STAGE });
  dvOk(dir, ['repro']);
  const before = read(dir, 'data/out.csv');
  // The script now writes half an output, complains and fails.
  writeFiles(dir, {
    'scripts/double.mjs': "import fs from 'node:fs'; fs.writeFileSync('data/out.csv', 'half'); console.error('line one\\nbad row 7: not a number'); process.exit(3);\n",
  });
  const r = dv(dir, ['repro']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /dv: stage double failed: exit code 3; previous outputs left in place \(run record ([0-9a-f]{12})\)/);
  assert.match(r.stderr, /--- stderr \(last lines\) ---\nline one\nbad row 7: not a number/);
  assert.equal(read(dir, 'data/out.csv'), before);
  const failedRun = /run record ([0-9a-f]{12})/.exec(r.stderr)![1]!;
  const rec = dvJson(dir, ['show', failedRun]).record;
  assert.equal(rec.status, 'failed');
  assert.equal(rec.exit, 3);
  assert.deepEqual(rec.outs, {});
  assert.equal(dvOk(dir, ['cat', rec.stderr]), 'line one\nbad row 7: not a number\n');
  // The failure is what status reports; the index still has the old output.
  const s = dvJson(dir, ['status']);
  // The script is tracked by git, so its edit also makes the code version dirty.
  assert.deepEqual(s.stages[0].reasons.slice(0, 2), ['the last run with these inputs failed (exit 3)', 'dependency scripts/double.mjs changed']);
  assert.match(s.stages[0].reasons[2], /^code version changed \([0-9a-f]{12} -> [0-9a-f]{12} \(dirty\)\)$/);
  assert.deepEqual(s.unstaged.modified, []);
  // A command that exits 0 without writing its output fails too.
  writeFiles(dir, { 'scripts/double.mjs': 'process.exit(0);\n' });
  const r2 = dv(dir, ['repro']);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /stage double failed: the command did not create 'data\/out\.csv'/);
  assert.equal(read(dir, 'data/out.csv'), before);
  assert.equal(dv(dir, ['fsck']).code, 0);
});

test('Ctrl-C stops the running stage, puts the previous outputs back and stores nothing half-written', async () => {
  const dir = makeProject({ 'scripts/double.mjs': COUNTING_DOUBLE, 'data/in.csv': 'id,v\n1,10\n', 'dv.yaml': DOUBLE_STAGE });
  dvOk(dir, ['repro']);
  const before = read(dir, 'data/out.csv');
  const statusBefore = dvOk(dir, ['status', '--json']);
  writeFiles(dir, {
    'scripts/double.mjs': "import fs from 'node:fs'; fs.writeFileSync('data/out.csv', 'partial'); console.log('started'); setTimeout(() => {}, 60000);\n",
  });
  const child = spawn(process.execPath, [DV, 'repro'], { cwd: dir, env: { ...process.env, ...TEST_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (c) => {
    stderr += c;
    if (!sent && stderr.includes('started')) { sent = true; child.kill('SIGINT'); }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /stage double interrupted; its previous outputs are back in place/);
  assert.equal(read(dir, 'data/out.csv'), before);
  assert.equal(dv(dir, ['fsck']).code, 0);
  const after = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.deepEqual(after.staged, JSON.parse(statusBefore).staged);
  assert.deepEqual(fs.readdirSync(path.join(dir, '.dv', 'tmp')), []);
});

test('the run cache restores outputs across branches and after checkout of an old commit, without running', () => {
  const dir = makeProject({ 'scripts/double.mjs': COUNTING_DOUBLE, 'data/in.csv': 'id,v\n1,10\n', 'dv.yaml': DOUBLE_STAGE });
  dvOk(dir, ['repro']);
  dvOk(dir, ['add', 'dv.yaml', 'data/in.csv']);
  dvOk(dir, ['commit', '-m', 'v1']);
  assert.equal(runCount(dir), 1);
  // A correction on a branch.
  dvOk(dir, ['checkout', '-b', 'fix']);
  writeFiles(dir, { 'data/in.csv': 'id,v\n1,11\n' });
  dvOk(dir, ['repro']);
  dvOk(dir, ['add', 'data/in.csv']);
  dvOk(dir, ['commit', '-m', 'v2']);
  assert.equal(runCount(dir), 2);
  assert.equal(read(dir, 'data/out.csv'), 'id,v\n1,22\n');

  // Back on main: the committed output is there; the stage is up to date without running.
  dvOk(dir, ['checkout', 'main']);
  assert.equal(read(dir, 'data/out.csv'), 'id,v\n1,20\n');
  assert.match(dvOk(dir, ['repro']), /double: up to date/);
  // The input corrected again by hand to the branch's version: restored from the cache.
  writeFiles(dir, { 'data/in.csv': 'id,v\n1,11\n' });
  assert.equal(dvJson(dir, ['status']).stages[0].state, 'restorable');
  assert.match(dvOk(dir, ['repro']), /double: restored from the run cache/);
  assert.equal(read(dir, 'data/out.csv'), 'id,v\n1,22\n');
  assert.equal(runCount(dir), 2);

  // Checkout of the old commit, outputs deleted: restored, not re-run.
  dvOk(dir, ['checkout', '--force', 'main~0']);
  fs.rmSync(path.join(dir, 'data', 'out.csv'));
  const s = dvJson(dir, ['status']).stages[0];
  assert.equal(s.state, 'restorable');
  assert.ok(s.reasons.includes('output data/out.csv missing'), s.reasons.join());
  assert.match(dvOk(dir, ['repro']), /double: restored from the run cache/);
  assert.equal(read(dir, 'data/out.csv'), 'id,v\n1,20\n');
  assert.equal(runCount(dir), 2);
  // --force runs anyway.
  dvOk(dir, ['repro', '--force']);
  assert.equal(runCount(dir), 3);
});

test('after dv is killed (-9) mid-stage, the next repro puts the previous outputs back and cleans up', async () => {
  const dir = makeProject({ 'scripts/double.mjs': COUNTING_DOUBLE, 'data/in.csv': 'id,v\n1,10\n', 'dv.yaml': DOUBLE_STAGE });
  dvOk(dir, ['repro']);
  const before = read(dir, 'data/out.csv');
  const good = read(dir, 'scripts/double.mjs');
  writeFiles(dir, {
    'scripts/double.mjs': "import fs from 'node:fs'; fs.writeFileSync('child.pid', String(process.pid)); fs.writeFileSync('data/out.csv', 'partial'); console.log('started'); setTimeout(() => {}, 60000);\n",
  });
  const child = spawn(process.execPath, [DV, 'repro'], { cwd: dir, env: { ...process.env, ...TEST_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (c) => {
    stderr += c;
    if (!sent && stderr.includes('started')) { sent = true; child.kill('SIGKILL'); }
  });
  await new Promise((resolve) => child.on('close', resolve));
  // The stage's command outlives dv (its own process group); stop it as an operator would.
  process.kill(Number(read(dir, 'child.pid')), 'SIGKILL');
  assert.equal(read(dir, 'data/out.csv'), 'partial');
  writeFiles(dir, { 'scripts/double.mjs': good });
  // The next repro rolls the unfinished run back; the earlier run then answers from the cache.
  assert.match(dvOk(dir, ['repro']), /double: up to date/);
  assert.equal(read(dir, 'data/out.csv'), before);
  assert.deepEqual(fs.readdirSync(path.join(dir, '.dv', 'tmp')), []);
  assert.equal(dv(dir, ['fsck']).code, 0);
});
