import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { dv, dvOk, writeFiles } from '../helpers.js';
import { COUNTING_DOUBLE, dvJson, git, makeProject, read } from './fixture.js';

const PIPELINE = `stages:
  double:
    cmd: node scripts/double.mjs data/in.csv data/out.csv
    deps: [scripts/double.mjs, data/in.csv]
    outs: [data/out.csv]
  noisy:
    cmd: node scripts/noisy.mjs
    deps: [scripts/noisy.mjs, data/out.csv]
    outs: [data/stamped.csv]
  seeded:
    cmd: node scripts/seeded.mjs
    deps: [scripts/seeded.mjs]
    outs: [data/sample.jsonl]
`;

const NOISY = `import fs from 'node:fs';
const rows = fs.readFileSync('data/out.csv', 'utf8').trim().split('\\n');
fs.writeFileSync('data/stamped.csv', rows.map((r, i) => i === 0 ? r + ',at' : r + ',' + process.hrtime.bigint()).join('\\n') + '\\n');
`;

const SEEDED = `import fs from 'node:fs';
let s = Number(process.env.DV_SEED ?? 1);
const next = () => (s = (s * 1103515245 + 12345) % 2147483648);
fs.writeFileSync('data/sample.jsonl', [1, 2, 3].map((i) => JSON.stringify({ i, r: next() })).join('\\n') + '\\n');
`;

test('replay reproduces deterministic runs bit for bit and reports a time-dependent one as diverged with its first differing rows', () => {
  const dir = makeProject({
    'scripts/double.mjs': COUNTING_DOUBLE, 'scripts/noisy.mjs': NOISY, 'scripts/seeded.mjs': SEEDED,
    'data/in.csv': 'id,v\n1,10\n2,20\n', 'dv.yaml': PIPELINE,
  });
  dvOk(dir, ['repro'], { env: { DV_SEED: '7' } });
  dvOk(dir, ['add', 'dv.yaml', 'data/in.csv']);
  dvOk(dir, ['commit', '-m', 'pipeline outputs']);
  const wtBefore = read(dir, 'data/out.csv');

  const r = dv(dir, ['replay', 'HEAD', '--json']);
  assert.equal(r.code, 1, r.stderr);
  const res = JSON.parse(r.stdout);
  const by = Object.fromEntries(res.runs.map((x: any) => [x.stage, x]));
  assert.equal(by.double.status, 'reproduced');
  assert.equal(by.seeded.status, 'reproduced'); // the recorded seed was handed back
  assert.equal(by.noisy.status, 'diverged');
  const out = by.noisy.outputs[0];
  assert.equal(out.path, 'data/stamped.csv');
  assert.notEqual(out.actual, out.recorded);
  assert.deepEqual(out.rows.map((d: any) => d.line), [2, 3]);
  assert.match(out.rows[0].recorded, /^1,20,\d+$/);
  const human = dv(dir, ['replay', 'HEAD']);
  assert.match(human.stdout, /noisy: diverged .*\n  data\/stamped\.csv: recorded [0-9a-f]{12}, got [0-9a-f]{12}\n    line 2: recorded "1,20,\d+"\n    line 2: replayed "1,20,\d+"/);
  assert.match(human.stdout, /2 reproduced, 1 diverged, 0 not replayable\n$/);
  // The working tree and the repository are untouched.
  assert.equal(read(dir, 'data/out.csv'), wtBefore);
  assert.equal(dv(dir, ['status', '--json']).code, 0);
  assert.deepEqual(fs.readdirSync(path.join(dir, '.dv', 'tmp')), []);

  // Without the time-dependent stage everything reproduces: exit 0.
  writeFiles(dir, { 'dv.yaml': PIPELINE.replace(/  noisy:[\s\S]*?(?=  seeded:)/, '') });
  fs.rmSync(path.join(dir, 'data', 'stamped.csv'));
  dvOk(dir, ['add', 'dv.yaml', 'data']);
  dvOk(dir, ['commit', '-m', 'drop noisy']);
  // The commit links the runs behind its content, which no longer includes noisy's output.
  assert.equal(dvJson(dir, ['show', 'HEAD']).meta.runs.length, 2);
  assert.match(dvOk(dir, ['replay', 'HEAD']), /2 reproduced, 0 diverged, 0 not replayable/);
});

test('replay --code runs the recorded code after the scripts changed; without it the current inputs are the recorded ones', () => {
  const dir = makeProject({
    // The stage's command uses a helper module that is code, not a declared dep.
    'scripts/run.mjs': "import { f } from './helper.mjs'; import fs from 'node:fs'; fs.writeFileSync('data/out.txt', f(fs.readFileSync('data/in.txt', 'utf8')));\n",
    'scripts/helper.mjs': 'export const f = (s) => s.toUpperCase();\n',
    'data/in.txt': 'abc\n',
    'dv.yaml': 'stages:\n  up:\n    cmd: node scripts/run.mjs\n    deps: [scripts/run.mjs, data/in.txt]\n    outs: [data/out.txt]\n',
  });
  // A commit without runs has nothing to replay.
  dvOk(dir, ['add', 'data/in.txt']);
  dvOk(dir, ['commit', '-m', 'input only']);
  const none = dv(dir, ['replay', 'HEAD']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^dv: HEAD has no recorded runs\nhint: /);
  dvOk(dir, ['repro']);
  dvOk(dir, ['add', 'dv.yaml']);
  dvOk(dir, ['commit', '-m', 'v1']);
  const oldCode = git(dir, ['rev-parse', 'HEAD']).trim();
  // The code changes and is committed to git.
  writeFiles(dir, { 'scripts/helper.mjs': 'export const f = (s) => s.split("").reverse().join("");\n' });
  git(dir, ['commit', '-q', '-am', 'new helper']);
  assert.notEqual(git(dir, ['rev-parse', 'HEAD']).trim(), oldCode);

  // Without --code the scratch has only the recorded inputs: the helper is missing.
  const plain = dvJson(dir, ['replay', 'HEAD']);
  assert.equal(plain.runs[0].status, 'not-replayable');
  assert.equal(plain.runs[0].reason, 'command failed (exit 1)');
  assert.match(plain.runs[0].stderrTail, /helper\.mjs/);
  // With --code the recorded commit's files come first: the old helper, the old result.
  const withCode = dv(dir, ['replay', 'HEAD', '--code']);
  assert.equal(withCode.code, 0, withCode.stderr + withCode.stdout);
  assert.match(withCode.stdout, /up: reproduced/);
  // The git repository was not touched.
  assert.equal(git(dir, ['status', '--porcelain']), '');
  assert.equal(read(dir, 'scripts/helper.mjs'), 'export const f = (s) => s.split("").reverse().join("");\n');
});
