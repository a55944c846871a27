import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkContracts, throwIfFailed } from '../../src/contracts/index.js';
import { openRepository } from '../../src/repo/index.js';
import type { RepoPath } from '../../src/util/index.js';
import { dv, dvOk, makeRepo, writeFiles } from '../helpers.js';

test('JSONL and TSV tables are checked like CSV (quoted CSV rows too)', () => {
  const dir = makeRepo({
    'dv.yaml': 'contracts:\n  "data/*.{jsonl,tsv,csv}":\n    columns:\n      n: { type: integer, max: 10 }\n      s: { allowed: [a, b] }\n',
    'data/t.jsonl': '{"n":1,"s":"a"}\n{"n":12,"s":"b"}\n{"n":"x","s":"c"}\n',
    'data/t.tsv': 'n\ts\n1\ta\n2\tz\n',
    'data/t.csv': 'n,s\n"1",a\n"3,5",b\n',
  });
  const r = JSON.parse(dv(dir, ['validate', '--json']).stdout);
  const by = Object.fromEntries(r.checks.map((c: any) => [c.path, c.violations.map((v: any) => `${v.rule}:${v.column}:${v.rows.map((x: any) => `${x.line}=${x.value}`).join(',')}`)]));
  assert.deepEqual(by['data/t.jsonl'], ['type:n:3=x', 'max:n:2=12', 'allowed:s:3=c']);
  assert.deepEqual(by['data/t.tsv'], ['allowed:s:3=z']);
  assert.deepEqual(by['data/t.csv'], ['type:n:3=3,5']);
});

test('validate --staged checks the index, not the working tree; a contract on a non-table file fails clearly', () => {
  const dir = makeRepo({ 'dv.yaml': 'contracts:\n  t.csv:\n    columns:\n      n: integer\n  blob.bin: {}\n', 't.csv': 'n\n1\n' });
  dvOk(dir, ['add', 't.csv', 'dv.yaml']);
  writeFiles(dir, { 't.csv': 'n\nx\n' });
  assert.equal(dv(dir, ['validate', '--staged']).code, 0);
  assert.equal(dv(dir, ['validate']).code, 1);
  writeFiles(dir, { 'blob.bin': 'x' });
  const r = dv(dir, ['validate', '--', 'blob.bin']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /FAIL blob\.bin .*\n  columns: expected a CSV, TSV or JSONL file \(by its extension\), found \.bin/);
});

test('checkContracts is callable by a pipeline runner: paths limit the check, throwIfFailed stops it', async () => {
  const dir = makeRepo({ 'dv.yaml': 'contracts:\n  "in/*.csv":\n    columns:\n      n: integer\n', 'in/a.csv': 'n\n1\n', 'in/b.csv': 'n\nbad\n' });
  const repo = openRepository(dir);
  try {
    const ok = await checkContracts(repo, { paths: ['in/a.csv' as RepoPath], operation: 'repro', archive: false });
    assert.equal(ok.passed, true);
    assert.deepEqual(ok.checks.map((c) => c.path), ['in/a.csv']);
    const bad = await checkContracts(repo, { paths: ['in' as RepoPath], operation: 'repro' });
    assert.equal(bad.passed, false);
    assert.equal(bad.incidents.length, 1);
    assert.throws(() => throwIfFailed(bad, 'repro'), (err: any) => err.code === 'ECONTRACT' && /repro stopped/.test(err.message) && err.data.report === bad);
  } finally {
    await repo.close();
  }
  const inc = JSON.parse(dvOk(dir, ['incident', 'list', '--json']))[0];
  assert.equal(inc.operation, 'repro');
  assert.equal(inc.path, 'in/b.csv');
});

test('a malformed keys: section is refused with the entry named', () => {
  const dir = makeRepo({ 'dv.yaml': 'keys:\n  a.csv: [1, 2]\n', 'a.csv': 'id\n1\n' });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'one']);
  writeFiles(dir, { 'a.csv': 'id\n2\n' });
  const r = dv(dir, ['diff', '--rows']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^dv: dv\.yaml: keys\."a\.csv" must be a column name or a list of column names/);
});
