import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dv, dvOk, makeRepo, writeFiles } from '../helpers.js';
import { CONTRACT, randomTable } from './random-table.js';

/** One thread, then two and three threads with segments small enough to split every table many times. */
const SETTINGS = [
  { DV_THREADS: '1' },
  { DV_THREADS: '2', DV_VALIDATE_SEGMENT_BYTES: '61' },
  { DV_THREADS: '3', DV_VALIDATE_SEGMENT_BYTES: '7' },
];

/** Runs a dv command under every setting and requires the same exit code, stdout and stderr, byte for byte. */
function sameUnderEverySetting(dir: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const runs = SETTINGS.map((env) => dv(dir, args, { env: { ...env, DV_DATE: '2024-03-01T00:00:00Z' } }));
  for (let i = 1; i < runs.length; i++) {
    assert.deepEqual(runs[i], runs[0], `dv ${args.join(' ')} with ${JSON.stringify(SETTINGS[i])} differs from one thread`);
  }
  return runs[0]!;
}

/** dv.yaml: the random tables' contract for every table, and a keyed contract limiting change. */
const DV_YAML = `keys:
  data/keyed.csv: id
contracts:
${CONTRACT.replace(/\n {2}/g, '\n    ').replace(/^t:/m, '  "data/t*":')}
  data/keyed.csv:
    columns:
      id: { type: integer, unique: true }
      n: { type: integer, max: 90 }
    max_change: { changed: 0.05, removed: 0, added: 0.1 }
`;

function keyed(edit: number): string {
  const rows = ['id,n'];
  for (let i = 1; i <= 120; i++) if (!(edit && i % 41 === 0)) rows.push(`${i},${edit && i % 9 === 0 ? i + edit : i % 100}`);
  if (edit) rows.push('121,1', '122,2', '7,7');
  return rows.join('\n') + '\n';
}

test('dv validate, validate REV, validate --staged and the commit gate print the same with the check split across threads', () => {
  const tables = (seed: number): Record<string, string> => ({
    'data/t1.csv': randomTable(seed, 'csv', 150),
    'data/t2.tsv': randomTable(seed + 1, 'tsv', 150),
    'data/t3.jsonl': randomTable(seed + 2, 'jsonl', 150),
    'data/t4.csv': randomTable(seed + 3, 'csv', 120),
    'data/keyed.csv': keyed(seed > 100 ? 0 : seed),
  });
  const dir = makeRepo({ 'dv.yaml': DV_YAML, ...tables(101) });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'v1', '--no-verify']);
  writeFiles(dir, tables(7));

  // The working tree (files read directly), then HEAD (a stored version, read from the store).
  const worktree = sameUnderEverySetting(dir, ['validate']);
  assert.equal(worktree.code, 1);
  assert.match(worktree.stdout, /FAIL data\/keyed\.csv[\s\S]*change from the previous version[\s\S]*FAIL data\/t1\.csv[\s\S]*expected unique values of id, found \d+ rows repeating/);
  const json = JSON.parse(sameUnderEverySetting(dir, ['validate', '--json']).stdout);
  assert.equal(json.checks.length, 5);
  assert.ok(json.checks.every((c: any) => !c.passed));
  sameUnderEverySetting(dir, ['validate', 'HEAD', '--json']);

  // Staged content and the commit gate, which stops the commit the same way every time.
  dvOk(dir, ['add', 'data']);
  sameUnderEverySetting(dir, ['validate', '--staged', '--json']);
  const gate = sameUnderEverySetting(dir, ['commit', '-m', 'v2']);
  assert.equal(gate.code, 1);
  assert.match(gate.stderr, /^dv: contract "data\/keyed\.csv" failed for data\/keyed\.csv \(and 4 more\); commit stopped, nothing changed/m);
});

test('a passing table split across threads passes with the same report', () => {
  const rows = ['id,day,v'];
  for (let i = 1; i <= 400; i++) rows.push(`${i},2024-02-${String(1 + (i % 28)).padStart(2, '0')},"${i % 3 === 0 ? 'a\nb' : 'c'}"`);
  const dir = makeRepo({
    'dv.yaml': 'contracts:\n  t.csv:\n    columns:\n      id: { type: integer, nullable: false, unique: true }\n      day: { type: date }\n    unique: [[day, v, id]]\n    rows: { min: 400 }\n    freshness: { column: day, max_age: 3d }\n',
    't.csv': rows.join('\r\n') + '\r\n',
  });
  const r = sameUnderEverySetting(dir, ['validate', '--json']);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(JSON.parse(r.stdout).checks[0].rows, 400);
});
