import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dv, dvOk, makeRepo, storeSnapshot, writeFiles } from '../helpers.js';

const GOOD = 'id,day,ts,price,status,sku,note\n' +
  '1,2024-01-01,2024-01-01T10:00:00Z,1.50,ok,SKU-001,a\n' +
  '2,2024-01-02,2024-01-02T10:00:00Z,2.00,ok,SKU-002,\n' +
  '3,2024-01-03,2024-01-03T10:00:00Z,3.00,pending,SKU-003,c\n' +
  '4,2024-01-04,2024-01-04T10:00:00Z,4.25,ok,SKU-004,d\n';

/** A repository with dv.yaml holding one contract for data/t.csv, and the file. */
function repoWith(contract: string, csv = GOOD): string {
  return makeRepo({ 'dv.yaml': `contracts:\n  data/t.csv:\n${contract}`, 'data/t.csv': csv });
}

function validate(dir: string, args: string[] = []): { code: number; report: any; human: string } {
  const j = dv(dir, ['validate', '--json', ...args]);
  const h = dv(dir, ['validate', ...args]);
  assert.equal(j.code, h.code);
  return { code: j.code, report: JSON.parse(j.stdout), human: h.stdout };
}

/** Each rule: a contract that passes on GOOD, and an edit of GOOD that breaks it with the expected message. */
const RULES: Array<{ rule: string; contract: string; bad: (s: string) => string; message: RegExp }> = [
  { rule: 'type', contract: '    columns:\n      price: { type: number }\n', bad: (s) => s.replace('2.00', 'two'), message: /column price: expected type number, found 1 of 4 rows not matching\n    line 3: "two"/ },
  { rule: 'nullable', contract: '    columns:\n      sku: { nullable: false }\n', bad: (s) => s.replace('SKU-003', ''), message: /column sku: expected a value in every row \(not nullable\), found 1 of 4 rows not matching\n    line 4: \(empty\)/ },
  { rule: 'columns', contract: '    columns:\n      sku: { type: string }\n', bad: (s) => s.replace('sku,note', 'code,note'), message: /column sku: expected columns sku present, found columns id, day, ts, price, status, code, note/ },
  { rule: 'unique', contract: '    columns:\n      id: { unique: true }\n', bad: (s) => s.replace('4,2024-01-04', '2,2024-01-04'), message: /column id: expected unique values of id, found 1 row repeating an earlier value\n    line 5: id="2" \(first at line 3\)/ },
  { rule: 'min', contract: '    columns:\n      price: { type: number, min: 1 }\n', bad: (s) => s.replace('3.00', '0.5'), message: /column price: expected values >= 1, found 1 of 4 rows not matching\n    line 4: "0\.5"/ },
  { rule: 'max', contract: '    columns:\n      price: { max: 10 }\n', bad: (s) => s.replace('4.25', '400'), message: /column price: expected values <= 10, found 1 of 4 rows not matching\n    line 5: "400"/ },
  { rule: 'allowed', contract: '    columns:\n      status: { allowed: [ok, pending] }\n', bad: (s) => s.replace('pending', 'lost'), message: /column status: expected one of ok, pending, found 1 of 4 rows not matching\n    line 4: "lost"/ },
  { rule: 'pattern', contract: '    columns:\n      sku: { pattern: \'SKU-\\d{3}\' }\n', bad: (s) => s.replace('SKU-004', 'SKU-4'), message: /column sku: expected values matching \/SKU-\\d\{3\}\/, found 1 of 4 rows not matching\n    line 5: "SKU-4"/ },
  { rule: 'rows', contract: '    rows: { min: 2, max: 4 }\n', bad: (s) => s + '5,2024-01-05,2024-01-05T10:00:00Z,5,ok,SKU-005,e\n', message: /row count: expected 2 to 4 rows, found 5 rows/ },
  { rule: 'freshness', contract: '    freshness: { column: ts, max_age: 1d }\n', bad: (s) => s.replace('2024-01-04T10:00:00Z', '2023-12-30T10:00:00Z'), message: /column ts: expected newest ts at most 1d old, found newest is 2024-01-03T10:00:00\.000Z \(38 hours old\)/ },
  { rule: 'extra_columns', contract: '    extra_columns: forbid\n    columns: { id: integer, day: date, ts: datetime, price: number, status: string, sku: string, note: string }\n', bad: (s) => s.replace('sku,note', 'sku,note,extra').replace(/\n(?!$)/g, ',x\n').replace('note,extra,x', 'note,extra'), message: /column extra: expected only the declared columns \(id, day, ts, price, status, sku, note\), found extra columns extra/ },
];

for (const r of RULES) {
  test(`contract rule ${r.rule}: passes on good data, fails on bad data with the violation and rows`, () => {
    const dir = repoWith(r.contract);
    const env = { DV_DATE: '2024-01-05T00:00:00Z' };
    const ok = dv(dir, ['validate', '--json'], { env });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(JSON.parse(ok.stdout).passed, true);
    writeFiles(dir, { 'data/t.csv': r.bad(GOOD) });
    const bad = dv(dir, ['validate'], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^FAIL data\/t\.csv  \(contract "data\/t\.csv", \d+ rows/);
    assert.match(bad.stdout, r.message);
    assert.match(bad.stdout, /incident [0-9a-f]{12} recorded/);
    const j = JSON.parse(dv(dir, ['validate', '--json'], { env }).stdout);
    assert.equal(j.passed, false);
    // The same failure again is the same open incident.
    assert.equal(JSON.parse(dvOk(dir, ['incident', 'list', '--json'])).length, 1);
    assert.equal(j.incidents[0], JSON.parse(dvOk(dir, ['incident', 'list', '--json']))[0].id);
    assert.equal(j.checks[0].violations[0].rule, r.rule === 'extra_columns' ? 'columns' : r.rule);
  });
}

test('a date column whose format changes upstream is caught, and the commit is refused with the repository untouched', () => {
  const dir = repoWith('    columns:\n      day: { type: date }\n');
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'good']);
  writeFiles(dir, { 'data/t.csv': GOOD.replace(/(\d{4})-(\d{2})-(\d{2}),/g, '$2/$3/$1,') });
  dvOk(dir, ['add', 'data/t.csv']);
  const before = storeSnapshot(dir);
  const r = dv(dir, ['commit', '-m', 'bad dates']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /column day: expected type date \(YYYY-MM-DD\), found 4 of 4 rows not matching\n    line 2: "01\/01\/2024"/);
  assert.match(r.stderr, /^dv: contract "data\/t\.csv" failed for data\/t\.csv; commit stopped, nothing changed \(incident [0-9a-f]{12}\)$/m);
  assert.match(r.stderr, /^hint: values changed form upstream \(for example a date format\)/m);
  assert.equal(r.stdout, '');
  assert.equal(storeSnapshot(dir), before);

  // The incident is archived with the contract, the data id, the explanation and the suggestion.
  const list = JSON.parse(dvOk(dir, ['incident', 'list', '--json']));
  assert.equal(list.length, 1);
  const inc = list[0];
  assert.equal(inc.status, 'open');
  assert.equal(inc.operation, 'commit');
  assert.equal(inc.contract, 'data/t.csv');
  const committed = JSON.parse(dvOk(dir, ['cat', '--json', 'HEAD:data/t.csv']));
  assert.match(inc.data, /^[0-9a-f]{64}$/);
  assert.notEqual(inc.data, committed.id, 'the incident names the new content, not the committed one');
  assert.match(inc.explanation, /column day: expected type date/);
  assert.match(inc.suggestion, /date format/);
  const shown = dvOk(dir, ['incident', 'show', inc.id.slice(0, 8)]);
  assert.match(shown, /status:    open/);
  assert.match(shown, /line 2: "01\/01\/2024"/);

  // --no-verify commits, and the commit records that the check was skipped.
  const id = dvOk(dir, ['commit', '-m', 'accepted anyway', '--no-verify']).trim();
  const show = JSON.parse(dvOk(dir, ['show', '--json', id]));
  assert.deepEqual(show.meta.contracts, [{ skipped: true, paths: ['data/t.csv'] }]);

  const resolved = dvOk(dir, ['incident', 'resolve', inc.id.slice(0, 8), '-m', 'provider switched to US dates; converted downstream']);
  assert.match(resolved, /resolved incident/);
  const after = JSON.parse(dvOk(dir, ['incident', 'show', '--json', inc.id.slice(0, 8)]));
  assert.equal(after.status, 'resolved');
  assert.equal(after.resolution.note, 'provider switched to US dates; converted downstream');
  assert.equal(after.id, inc.id);
  assert.equal(JSON.parse(dvOk(dir, ['incident', 'list', '--open', '--json'])).length, 0);
  const again = dv(dir, ['incident', 'resolve', inc.id.slice(0, 8), '-m', 'x']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already resolved/);
});

test('a passing commit records its contract results in the commit', () => {
  const dir = repoWith('    columns:\n      id: { type: integer, unique: true }\n');
  dvOk(dir, ['add', '.']);
  const id = dvOk(dir, ['commit', '-m', 'good']).trim();
  const show = JSON.parse(dvOk(dir, ['show', '--json', id]));
  assert.equal(show.meta.contracts.length, 1);
  assert.equal(show.meta.contracts[0].passed, true);
  assert.equal(show.meta.contracts[0].path, 'data/t.csv');
});

test('max_change stops a version that changes more rows than allowed, relative to HEAD', () => {
  const dir = makeRepo({ 'dv.yaml': 'keys:\n  data/t.csv: id\ncontracts:\n  data/t.csv:\n    max_change: { changed: 0.25, removed: "0%" }\n', 'data/t.csv': GOOD });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'one']);
  writeFiles(dir, { 'data/t.csv': GOOD.replace('1.50', '1.60') });
  assert.equal(dv(dir, ['validate']).code, 0);
  writeFiles(dir, { 'data/t.csv': GOOD.replace('1.50', '1.60').replace('2.00', '2.10') });
  const r = validate(dir);
  assert.equal(r.code, 1);
  assert.match(r.human, /change from the previous version: expected at most 25% of the 4 previous rows changed, found 2 rows changed \(50%\)\n    line 2: id="1" price="1\.50 -> 1\.60"/);
  assert.deepEqual(r.report.checks[0].change.changed, 2);
});

test('validate REV checks a commit, and a malformed contract is a clear error', () => {
  const dir = repoWith('    columns:\n      price: { type: number }\n');
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'good']);
  writeFiles(dir, { 'data/t.csv': GOOD.replace('2.00', 'two') });
  assert.equal(dv(dir, ['validate']).code, 1);
  assert.equal(dv(dir, ['validate', 'HEAD']).code, 0);
  writeFiles(dir, { 'dv.yaml': 'contracts:\n  data/t.csv:\n    columns:\n      price: { type: money }\n' });
  const r = dv(dir, ['validate']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^dv: dv\.yaml: contracts\."data\/t\.csv"\.columns\.price\.type: "money" is not a type\nhint: the types are integer, number, boolean, date, datetime, string\n$/);
});

test('an unsorted unique column with many rows finds exactly the repeated values', () => {
  const rows = ['id,v'];
  for (let i = 0; i < 5000; i++) rows.push(`${(i * 7919) % 5003},x`);
  rows.push('2916,dup');
  const dir = makeRepo({ 'dv.yaml': 'contracts:\n  t.csv:\n    columns:\n      id: { type: integer, unique: true }\n', 't.csv': rows.join('\n') + '\n' });
  const r = validate(dir);
  assert.equal(r.code, 1);
  const v = r.report.checks[0].violations[0];
  assert.equal(v.count, 1);
  assert.deepEqual(v.rows, [{ line: 5002, values: { id: '2916' }, firstLine: 3 }]);
});

test('a repeated key that is not valid UTF-8 is found by the exact pass too', () => {
  const csv = Buffer.concat([Buffer.from('id,v\n'), Buffer.from([0xff, 0x41]), Buffer.from(',1\nb,2\n'), Buffer.from([0xff, 0x41]), Buffer.from(',3\n')]);
  const dir = makeRepo({ 'dv.yaml': 'contracts:\n  t.csv:\n    columns:\n      id: { unique: true }\n', 't.csv': csv });
  const r = validate(dir);
  assert.equal(r.code, 1);
  assert.deepEqual(r.report.checks[0].violations[0].rows, [{ line: 4, values: { id: '\uFFFDA' }, firstLine: 2 }]);
});
