import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { hashBytes } from '../../src/hash/index.js';
import { dv, dvOk, writeFiles } from '../helpers.js';
import { COUNTING_DOUBLE, dvJson, git, makeProject, read, runCount } from './fixture.js';

test('dv run records a stage in dv.yaml, runs it, and repro skips it until a dep, param or command changes', () => {
  const dir = makeProject({ 'scripts/double.mjs': COUNTING_DOUBLE, 'data/in.csv': 'id,v\n1,10\n2,20\n', 'params.yaml': 'scale:\n  factor: 2\n' });
  const out = dvOk(dir, ['run', '-n', 'double', '-d', 'scripts/double.mjs', '-d', 'data/in.csv', '-o', 'data/out.csv', '-p', 'scale.factor', '--', 'node', 'scripts/double.mjs', 'data/in.csv', 'data/out.csv']);
  assert.match(out, /^double: ran \(run [0-9a-f]{12}/);
  assert.equal(read(dir, 'data/out.csv'), 'id,v\n1,20\n2,40\n');
  assert.match(read(dir, 'dv.yaml'), /double:\n\s+cmd: node scripts\/double\.mjs data\/in\.csv data\/out\.csv\n\s+deps:/);
  assert.equal(runCount(dir), 1);

  // Nothing changed: not run again, and status has nothing to say about the stage.
  assert.match(dvOk(dir, ['repro']), /double: up to date/);
  assert.equal(runCount(dir), 1);
  const st = dvJson(dir, ['status']);
  assert.deepEqual(st.stages, [{ stage: 'double', state: 'up-to-date', reasons: [] }]);
  // The output was stored and staged like `dv add` does.
  assert.deepEqual(st.staged.added, ['data/out.csv']);

  // A dep change makes the stage stale, with the reason.
  writeFiles(dir, { 'data/in.csv': 'id,v\n1,10\n2,21\n' });
  let s = dvJson(dir, ['status']).stages[0];
  assert.equal(s.state, 'stale');
  assert.deepEqual(s.reasons, ['dependency data/in.csv changed']);
  assert.match(dvOk(dir, ['status']), /double \(stale\): dependency data\/in\.csv changed/);
  dvOk(dir, ['repro']);
  assert.equal(runCount(dir), 2);
  assert.equal(read(dir, 'data/out.csv'), 'id,v\n1,20\n2,42\n');

  // A param change, then the command.
  writeFiles(dir, { 'params.yaml': 'scale:\n  factor: 3\n' });
  s = dvJson(dir, ['status']).stages[0];
  // params.yaml is tracked by git, but its edits are params, not dirty code.
  assert.deepEqual(s.reasons, ['param scale.factor changed (2 -> 3)']);
  writeFiles(dir, { 'dv.yaml': read(dir, 'dv.yaml').replace('data/out.csv\n', 'data/out.csv\n').replace('node scripts/double.mjs data/in.csv', 'node  scripts/double.mjs data/in.csv') });
  s = dvJson(dir, ['status']).stages[0];
  assert.ok(s.reasons.includes('command changed'), s.reasons.join());

  // Back to the recorded command and params: the run cache answers without running.
  writeFiles(dir, { 'params.yaml': 'scale:\n  factor: 2\n', 'dv.yaml': read(dir, 'dv.yaml').replace('node  scripts', 'node scripts') });
  assert.match(dvOk(dir, ['repro']), /double: up to date/);
  assert.equal(runCount(dir), 2);

  // An upstream stage that is stale makes its downstream stale too.
  writeFiles(dir, { 'scripts/sum.mjs': "import fs from 'node:fs'; const t = fs.readFileSync('data/out.csv','utf8').trim().split('\\n').slice(1).reduce((s,l)=>s+Number(l.split(',')[1]),0); fs.writeFileSync('data/sum.json', JSON.stringify({ total: t }));\n" });
  dvOk(dir, ['run', '-n', 'sum', '-d', 'scripts/sum.mjs', '-d', 'data/out.csv', '-M', 'data/sum.json', '--', 'node scripts/sum.mjs']);
  assert.deepEqual(JSON.parse(read(dir, 'data/sum.json')), { total: 62 });
  writeFiles(dir, { 'data/in.csv': 'id,v\n1,1\n' });
  const stages = dvJson(dir, ['status']).stages;
  assert.deepEqual(stages.map((x: any) => [x.stage, x.state]), [['double', 'stale'], ['sum', 'stale']]);
  assert.deepEqual(stages[1].reasons, ['upstream stage double is not up to date']);
  // repro of the downstream stage brings its upstream along, in order.
  const r = dvJson(dir, ['repro', 'sum']);
  assert.deepEqual(r.stages.map((x: any) => [x.stage, x.status]), [['double', 'ran'], ['sum', 'ran']]);
  assert.deepEqual(JSON.parse(read(dir, 'data/sum.json')), { total: 2 });
});

test('run records: command, ids, params, seed, logs, environment and code version; dv commit links them and dv show lists them', () => {
  const dir = makeProject({
    'scripts/seeded.mjs': "import fs from 'node:fs'; console.log('seed is', process.env.DV_SEED); console.error('a warning'); fs.writeFileSync('data/out.txt', `seed=${process.env.DV_SEED}\\n`);\n",
    'package-lock.json': '{"lockfileVersion":3}\n',
    'data/in.txt': 'x\n',
  });
  const gitIndexBefore = fs.readFileSync(path.join(dir, '.git', 'index'));
  const headBefore = git(dir, ['rev-parse', 'HEAD']).trim();
  const res = dvJson(dir, ['run', '-n', 'seeded', '-d', 'scripts/seeded.mjs', '-d', 'data/in.txt', '-o', 'data/out.txt', '--', 'node scripts/seeded.mjs'], { DV_SEED: '42' });
  assert.equal(read(dir, 'data/out.txt'), 'seed=42\n');
  const runId = res.stages[0].run;
  const shown = dvJson(dir, ['show', runId]);
  assert.equal(shown.type, 'run');
  const rec = shown.record;
  assert.equal(rec.stage, 'seeded');
  assert.equal(rec.cmd, 'node scripts/seeded.mjs');
  assert.equal(rec.seed, '42');
  assert.equal(rec.status, 'succeeded');
  assert.equal(rec.exit, 0);
  assert.ok(rec.end >= rec.start);
  assert.deepEqual(Object.keys(rec.deps).sort(), ['data/in.txt', 'scripts/seeded.mjs']);
  assert.equal(rec.deps['data/in.txt'], hashBytes(Buffer.from('x\n')));
  assert.deepEqual(Object.keys(rec.outs), ['data/out.txt']);
  assert.equal(dvOk(dir, ['cat', rec.stdout]), 'seed is 42\n');
  assert.equal(dvOk(dir, ['cat', rec.stderr]), 'a warning\n');
  assert.equal(rec.env.node, process.version);
  assert.equal(rec.env.arch, process.arch);
  assert.equal(rec.env.os, process.platform);
  assert.match(rec.env.lockfiles['package-lock.json'], /^[0-9a-f]{64}$/);
  assert.match(rec.env.lockHash, /^[0-9a-f]{64}$/);
  assert.deepEqual(rec.code, { commit: headBefore, branch: 'main', dirty: false, dirtyHash: null, dirtyFiles: [] });
  // The git repository was only read.
  assert.ok(fs.readFileSync(path.join(dir, '.git', 'index')).equals(gitIndexBefore));
  assert.equal(git(dir, ['rev-parse', 'HEAD']).trim(), headBefore);

  // Committing the output links the run; show lists it.
  dvOk(dir, ['add', 'dv.yaml', 'data/in.txt']);
  dvOk(dir, ['commit', '-m', 'seeded output']);
  const commit = dvJson(dir, ['show', 'HEAD']);
  assert.deepEqual(commit.meta.runs, [runId]);
  assert.equal(commit.runDetails[0].stage, 'seeded');
  assert.match(dvOk(dir, ['show']), new RegExp(`Runs:\\n    ${runId.slice(0, 12)} seeded succeeded .*: node scripts/seeded\\.mjs -> data/out\\.txt`));

  // A dirty tracked code file is part of the code version (and of the cache key).
  writeFiles(dir, { 'scripts/seeded.mjs': read(dir, 'scripts/seeded.mjs') + '// touched\n' });
  const again = dvJson(dir, ['repro'], { DV_SEED: '42' });
  const rec2 = dvJson(dir, ['show', again.stages[0].run]).record;
  assert.equal(rec2.code.dirty, true);
  assert.deepEqual(rec2.code.dirtyFiles, ['scripts/seeded.mjs']);
  assert.match(rec2.code.dirtyHash, /^[0-9a-f]{64}$/);
});

test('stage graph errors are reported before anything runs', () => {
  const dir = makeProject({ 'scripts/w.mjs': "import fs from 'node:fs'; fs.appendFileSync('runs.log', 'w\\n'); fs.writeFileSync(process.argv[2], 'x');\n", 'data/a.txt': 'a' });
  const cases: Array<[string, RegExp]> = [
    ['stages:\n  a:\n    cmd: node scripts/w.mjs data/b.txt\n    deps: [data/c.txt]\n    outs: [data/b.txt]\n  b:\n    cmd: node scripts/w.mjs data/c.txt\n    deps: [data/b.txt]\n    outs: [data/c.txt]\n', /stages form a cycle: a -> b -> a|stages form a cycle: b -> a -> b/],
    ['stages:\n  a:\n    cmd: node scripts/w.mjs data/b.txt\n    deps: [data/missing.txt]\n    outs: [data/b.txt]\n', /stage a: dependency 'data\/missing\.txt' does not exist and no stage produces it/],
    ['stages:\n  a:\n    cmd: node scripts/w.mjs data/b.txt\n    outs: [data/b.txt]\n  b:\n    cmd: node scripts/w.mjs data/b.txt\n    outs: [data/b.txt]\n', /output 'data\/b\.txt' of stage b is also claimed by stage a/],
    ['stages:\n  a:\n    cmd: node scripts/w.mjs data/x/y.txt\n    deps: [data/x]\n    outs: [data/x/y.txt]\n', /stage a: output 'data\/x\/y\.txt' overlaps its own dependency 'data\/x'/],
    ['stages:\n  a:\n    cmd: node scripts/w.mjs data/x/y.txt\n    outz: [data/x/y.txt]\n', /stage a: unknown key "outz"/],
    ['stages:\n  a:\n    deps: [data/a.txt]\n', /stage a cmd must be a command line/],
  ];
  fs.mkdirSync(path.join(dir, 'data', 'x'), { recursive: true });
  for (const [yaml, re] of cases) {
    writeFiles(dir, { 'dv.yaml': yaml });
    const r = dv(dir, ['repro']);
    assert.equal(r.code, 1, yaml);
    assert.match(r.stderr, re);
    assert.match(r.stderr, /^dv: /);
    assert.equal(r.stdout, '');
    assert.equal(runCount(dir), 0);
  }
  // dv run refuses a stage that would break the graph, leaving dv.yaml as it was.
  writeFiles(dir, { 'dv.yaml': 'stages:\n  a:\n    cmd: node scripts/w.mjs data/b.txt\n    outs: [data/b.txt]\n' });
  const r = dv(dir, ['run', '-n', 'b', '-o', 'data/b.txt', '--', 'node scripts/w.mjs data/b.txt']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /also claimed by stage a/);
  assert.equal(read(dir, 'dv.yaml'), 'stages:\n  a:\n    cmd: node scripts/w.mjs data/b.txt\n    outs: [data/b.txt]\n');
  assert.equal(dv(dir, ['run', '-n', 'a', '-o', 'data/q.txt', '--', 'true']).code, 1);
  assert.equal(dv(dir, ['run', '-n', 'c', '-o', 'data/q.txt']).code, 2);
  assert.equal(dv(dir, ['repro', 'nope']).code, 1);
  assert.equal(runCount(dir), 0);
});
