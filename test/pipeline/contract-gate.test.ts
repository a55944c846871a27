import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { dv, dvOk, writeFiles } from '../helpers.js';
import { COUNTING_DOUBLE, makeProject, runCount } from './fixture.js';

const YAML = `stages:
  double:
    cmd: node double.mjs data/in.csv data/out.csv
    deps: [double.mjs, data/in.csv]
    outs: [data/out.csv]
contracts:
  data/in.csv:
    columns:
      v: { type: integer, min: 0 }
`;

test("repro checks the contracts on a stage's inputs before running it, and stops with an incident", () => {
  const dir = makeProject({ 'double.mjs': COUNTING_DOUBLE, 'dv.yaml': YAML });
  writeFiles(dir, { 'data/in.csv': 'k,v\na,1\nb,2\n' });
  dvOk(dir, ['repro']);
  assert.equal(runCount(dir), 1);
  const before = fs.readFileSync(path.join(dir, 'data/out.csv'), 'utf8');

  writeFiles(dir, { 'data/in.csv': 'k,v\na,1\nb,-7\n' });
  const r = dv(dir, ['repro']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^dv: contract "data\/in\.csv" failed for data\/in\.csv; repro stopped, nothing changed \(incident [0-9a-f]{12}\)$/m);
  assert.match(r.stderr, /b|-7/);
  assert.equal(runCount(dir), 1, 'the stage did not run');
  assert.equal(fs.readFileSync(path.join(dir, 'data/out.csv'), 'utf8'), before, 'the previous output is untouched');
  const incidents = JSON.parse(dvOk(dir, ['incident', 'list', '--json'])) as unknown[];
  assert.equal(incidents.length, 1);
  assert.match(JSON.stringify(incidents[0]), /"repro"/);
});
