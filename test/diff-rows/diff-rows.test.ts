import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dv, dvOk, makeRepo, writeFiles } from '../helpers.js';

interface Json { files: Array<{ path: string; key: string[] | null; rows: Array<Record<string, any>>; schema: Record<string, any>; summary: Record<string, number>; spilled: boolean }>; skipped: unknown[] }

function rowsJson(dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Json {
  return JSON.parse(dvOk(dir, ['diff', '--rows', '--json', ...args], { env }));
}

function commitAll(dir: string, msg: string): void {
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', msg]);
}

const V1 = 'id,day,price,status\n1,2024-01-01,1.50,ok\n2,2024-01-02,2.00,ok\n3,2024-01-03,3.00,ok\n4,2024-01-04,4.25,pending\n';
const V2 = 'id,day,price,status\n1,2024-01-01,1.50,ok\n3,2024-01-03,3.50,refunded\n4,2024-01-04,4.25,pending\n5,2024-01-05,5.00,"ok, really"\n';

test('rows are aligned by the declared key: changed cells old -> new, added and removed rows', () => {
  const dir = makeRepo({ 'dv.yaml': 'keys:\n  "data/*.csv": id\n', 'data/a.csv': V1 });
  commitAll(dir, 'one');
  writeFiles(dir, { 'data/a.csv': V2 });
  const j = rowsJson(dir);
  const f = j.files[0]!;
  assert.deepEqual(f.key, ['id']);
  assert.deepEqual(f.summary, { oldRows: 4, newRows: 4, added: 1, removed: 1, changed: 1, unchanged: 2 });
  const changed = f.rows.find((r) => r.kind === 'changed')!;
  assert.deepEqual(changed.key, { id: '3' });
  assert.deepEqual(changed.cells, [{ column: 'price', old: '3.00', new: '3.50' }, { column: 'status', old: 'ok', new: 'refunded' }]);
  assert.deepEqual(f.rows.find((r) => r.kind === 'removed')!.row, { id: '2', day: '2024-01-02', price: '2.00', status: 'ok' });
  assert.equal(f.rows.find((r) => r.kind === 'added')!.row.status, 'ok, really');
  assert.equal(f.schema.changed, false);

  const human = dvOk(dir, ['diff', '--rows']);
  assert.match(human, /data\/a\.csv \(csv, key id\): 1 changed, 1 added, 1 removed, 2 unchanged rows/);
  assert.match(human, /~ id=3 .*price: "3\.00" -> "3\.50"; status: "ok" -> "refunded"/);
  assert.match(human, /- id=2 /);
  assert.match(human, /\+ id=5 /);

  // Between two commits, the same answer.
  commitAll(dir, 'two');
  assert.deepEqual(rowsJson(dir, ['HEAD~1', 'HEAD']).files[0]!.summary, f.summary);
});

test('without a key, rows are aligned by content', () => {
  const dir = makeRepo({ 'a.csv': V1 });
  commitAll(dir, 'one');
  writeFiles(dir, { 'a.csv': V2 });
  const f = rowsJson(dir).files[0]!;
  assert.equal(f.key, null);
  assert.deepEqual(f.summary, { oldRows: 4, newRows: 4, added: 2, removed: 2, changed: 0, unchanged: 2 });
});

test('a renamed column is a schema change, and its values still compare', () => {
  const dir = makeRepo({ 'dv.yaml': 'keys:\n  a.csv: id\n', 'a.csv': V1 });
  commitAll(dir, 'one');
  writeFiles(dir, { 'a.csv': V1.replace('id,day,', 'id,date,').replace('4.25,pending', '4.30,pending') });
  const f = rowsJson(dir).files[0]!;
  assert.deepEqual(f.schema.renamed, [{ from: 'day', to: 'date' }]);
  assert.deepEqual(f.schema.added, []);
  assert.deepEqual(f.schema.removed, []);
  assert.equal(f.schema.changed, true);
  assert.equal(f.summary.changed, 1);
  assert.match(dvOk(dir, ['diff', '--rows']), /schema: column renamed day -> date/);
});

test('added, removed and reordered columns and type changes are reported', () => {
  const dir = makeRepo({ 'dv.yaml': 'keys:\n  a.csv: id\n', 'a.csv': 'id,n,s,x\n1,10,a,q\n2,20,b,q\n' });
  commitAll(dir, 'one');
  writeFiles(dir, { 'a.csv': 'id,y,s,n\n1,z,a,10\n2,z,b,twenty\n' });
  const f = rowsJson(dir).files[0]!;
  assert.deepEqual(f.schema.added, ['y']);
  assert.deepEqual(f.schema.removed, ['x']);
  assert.equal(f.schema.reordered, true);
  assert.deepEqual(f.schema.typeChanges, [{ column: 'n', old: 'integer', new: 'string' }]);
  assert.deepEqual(f.rows, [{ kind: 'changed', key: { id: '2' }, oldLine: 3, newLine: 3, cells: [{ column: 'n', old: '20', new: 'twenty' }] }]);
  const human = dvOk(dir, ['diff', '--rows']);
  assert.match(human, /column added y/);
  assert.match(human, /column removed x/);
  assert.match(human, /columns reordered/);
  assert.match(human, /type of n changed integer -> string/);
});

test('TSV, JSONL and quoted CSV cells (delimiters and newlines inside quotes)', () => {
  const dir = makeRepo({
    'dv.yaml': 'keys:\n  "*.tsv": id\n  "*.jsonl": id\n  "*.csv": id\n',
    't.tsv': 'id\tv\n1\ta\n2\tb\n',
    'j.jsonl': '{"id":1,"v":"a"}\n{"id":2,"v":"b"}\n',
    'q.csv': 'id,text\n1,"one, two"\n2,"line\nbreak"\n',
  });
  commitAll(dir, 'one');
  writeFiles(dir, {
    't.tsv': 'id\tv\n1\ta\n2\tB\n3\tc\n',
    'j.jsonl': '{"id":1,"v":"a"}\n{"id":2,"v":"B","w":true}\n',
    'q.csv': 'id,text\n1,"one, two"\n2,"line\nbreak, again"\n',
  });
  const j = rowsJson(dir);
  const by = Object.fromEntries(j.files.map((f) => [f.path, f]));
  assert.deepEqual(by['t.tsv']!.summary, { oldRows: 2, newRows: 3, added: 1, removed: 0, changed: 1, unchanged: 1 });
  assert.deepEqual(by['j.jsonl']!.rows[0]!.cells, [{ column: 'v', old: 'b', new: 'B' }]);
  const q = by['q.csv']!.rows[0]!;
  assert.deepEqual(q.cells, [{ column: 'text', old: 'line\nbreak', new: 'line\nbreak, again' }]);
  assert.equal(q.newLine, 3);
});

test('non-table files are listed as skipped', () => {
  const dir = makeRepo({ 'a.bin': 'x' });
  commitAll(dir, 'one');
  writeFiles(dir, { 'a.bin': 'y' });
  const j = rowsJson(dir);
  assert.equal(j.files.length, 0);
  assert.deepEqual(j.skipped, [{ path: 'a.bin', status: 'modified', reason: 'not CSV, TSV or JSONL' }]);
});

test('past the memory budget the diff spills to disk and finds the same rows', () => {
  let a = 'id,v\n';
  let b = 'id,v\n';
  // b is a reversed, edited copy of a: nothing aligns in order, so every row waits for its match.
  const rowsA: string[] = [];
  const rowsB: string[] = [];
  for (let i = 0; i < 3000; i++) {
    rowsA.push(`${i},${i * 2}`);
    if (i % 100 !== 7) rowsB.push(`${i},${i % 50 === 3 ? 'x' : i * 2}`);
  }
  for (let i = 3000; i < 3010; i++) rowsB.push(`${i},new`);
  a += rowsA.join('\n') + '\n';
  b += rowsB.reverse().join('\n') + '\n';
  const dir = makeRepo({ 'dv.yaml': 'keys:\n  a.csv: id\n', 'a.csv': a });
  commitAll(dir, 'one');
  writeFiles(dir, { 'a.csv': b });
  const inMemory = rowsJson(dir).files[0]!;
  const spilled = rowsJson(dir, [], { DV_ROWS_MEMORY: '20000' }).files[0]!;
  assert.equal(inMemory.spilled, false);
  assert.equal(spilled.spilled, true);
  assert.deepEqual(spilled.summary, inMemory.summary);
  assert.deepEqual(inMemory.summary, { oldRows: 3000, newRows: 2980, added: 10, removed: 30, changed: 60, unchanged: 2910 });
  const key = (r: Record<string, any>) => `${r.kind}:${JSON.stringify(r.key)}`;
  assert.deepEqual(spilled.rows.map(key).sort(), inMemory.rows.map(key).sort());
});

test('a declared key missing from the file is a clear error', () => {
  const dir = makeRepo({ 'dv.yaml': 'keys:\n  a.csv: nope\n', 'a.csv': V1 });
  commitAll(dir, 'one');
  writeFiles(dir, { 'a.csv': V2 });
  const r = dv(dir, ['diff', '--rows']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^dv: key column "nope" is not in HEAD:a\.csv \(columns: id, day, price, status\)/);
});
