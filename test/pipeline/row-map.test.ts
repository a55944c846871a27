import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { dv, dvOk, writeFiles } from '../helpers.js';
import { dvJson, makeProject, read } from './fixture.js';

/**
 * A row-wise transform for CSV and JSONL: logs how many rows it saw and from which file,
 * writes the key and derived values (CSV keeps the input's line breaks).
 */
const MAP = `import fs from 'node:fs';
const text = fs.readFileSync(process.env.DV_IN, 'utf8');
const jsonl = /\\.jsonl$/.test(process.env.DV_IN);
const eol = text.includes('\\r\\n') ? '\\r\\n' : '\\n';
const lines = text.split(/\\r?\\n/).filter(Boolean);
const rows = jsonl ? lines.map((l) => JSON.parse(l)) : lines.slice(1).map((l) => { const [id, v] = l.split(','); return { id, v: Number(v) }; });
fs.appendFileSync('rows.log', rows.length + ' ' + process.env.DV_IN.split('/').pop() + '\\n');
const out = rows.map((r) => jsonl ? JSON.stringify({ id: r.id, w: r.v * 2 }) : [r.id, r.v * 2, r.v % 2 ? 'odd' : 'even'].join(','));
fs.writeFileSync(process.env.DV_OUT, (jsonl ? out : ['id,w,parity', ...out]).map((l) => l + eol).join(''));
`;

const STAGE = 'stages:\n  feat:\n    foreach: data/parts\n    map:\n      key: id\n    cmd: node scripts/map.mjs\n    deps: [scripts/map.mjs]\n    outs: [data/feat]\n';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

function takeLog(dir: string): string[] {
  const f = path.join(dir, 'rows.log');
  const lines = fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : [];
  fs.rmSync(f, { force: true });
  return lines;
}

function outputs(dir: string, out: string): Record<string, string> {
  const d = path.join(dir, out);
  return Object.fromEntries(fs.readdirSync(d).sort().map((f) => [f, fs.readFileSync(path.join(d, f), 'utf8')]));
}

type Rows = Array<[string, number]>;
const csv = (rows: Rows, eol = '\n') => ['id,v', ...rows.map(([k, v]) => `${k},${v}`)].map((l) => l + eol).join('');

test('foreach + map: changed partitions are updated by deltas fed in one run, and every output equals a full recompute (randomised)', () => {
  const rand = rng(4242);
  let nextId = 1;
  const parts: Record<string, Rows> = {};
  for (let i = 0; i < 5; i++) parts[`p${i}.csv`] = Array.from({ length: 40 }, () => [String(nextId++), Math.floor(rand() * 1000)]);
  const files = () => Object.fromEntries(Object.entries(parts).map(([f, rows]) => [`data/parts/${f}`, csv(rows, f === 'p3.csv' ? '\r\n' : '\n')]));
  const dir = makeProject({ ...files(), 'scripts/map.mjs': MAP, 'dv.yaml': STAGE });
  const first = dvJson(dir, ['repro']);
  assert.equal(first.stages[0].partitions.length, 5);
  assert.equal(takeLog(dir).length, 5); // a full run per partition
  for (let round = 0; round < 4; round++) {
    // Edit, delete and insert rows in some partitions; move a row from one partition to another.
    const touched = new Set<string>();
    for (const [f, rows] of Object.entries(parts)) {
      if (rand() < 0.35) continue;
      touched.add(f);
      parts[f] = rows.filter(() => rand() > 0.05).map(([k, v]): [string, number] => (rand() < 0.1 ? [k, v + 1] : [k, v]));
      parts[f]!.splice(Math.floor(rand() * parts[f]!.length), 0, [String(nextId++), Math.floor(rand() * 1000)]);
    }
    const names = Object.keys(parts);
    const [from, to] = [names[round % names.length]!, names[(round + 2) % names.length]!];
    if (parts[from]!.length > 1) { parts[to]!.push(parts[from]!.shift()!); touched.add(from); touched.add(to); }
    if (round === 1) { parts[`new${round}.csv`] = [[String(nextId++), 7]]; touched.add(`new${round}.csv`); }
    if (round === 2) { fs.rmSync(path.join(dir, 'data/parts/p1.csv')); delete parts['p1.csv']; touched.delete('p1.csv'); }
    fs.rmSync(path.join(dir, 'data/parts'), { recursive: true });
    writeFiles(dir, files());
    const r = dvJson(dir, ['repro', '--verify-delta']);
    const ran = r.stages[0].partitions.filter((p: any) => p.status === 'ran');
    assert.deepEqual(ran.map((p: any) => p.partition).sort(), [...touched].sort(), `round ${round}: partitions run`);
    const deltas = ran.filter((p: any) => p.delta);
    for (const p of deltas) assert.equal(p.verified, true);
    const log = takeLog(dir);
    // One run fed the changed rows of the partitions updated by a delta (one for the CRLF
    // partition, one for the others); new partitions ran in full.
    const batches = log.filter((l) => l.endsWith('delta-in.csv'));
    const styles = new Set(deltas.map((p: any) => (p.partition === 'p3.csv' ? 'crlf' : 'lf')));
    assert.equal(batches.length, styles.size, `round ${round}: ${log.join('; ')}`);
    assert.equal(batches.reduce((n, l) => n + Number(l.split(' ')[0]), 0), deltas.reduce((n: number, p: any) => n + p.delta.fed, 0));
    assert.ok(deltas.every((p: any) => p.delta.fed < p.delta.total), `round ${round}: only changed rows are fed`);
    const incremental = outputs(dir, 'data/feat');
    dvOk(dir, ['repro', '--force']);
    assert.deepEqual(outputs(dir, 'data/feat'), incremental, `round ${round}`);
    assert.deepEqual(Object.keys(incremental), Object.keys(parts).sort());
    takeLog(dir);
  }
  // Each partition's run record names its own input, output and base; committing links them, replay reproduces them.
  writeFiles(dir, { 'data/parts/p0.csv': csv([...parts['p0.csv']!, ['999', 1]]) });
  dvOk(dir, ['repro']);
  dvOk(dir, ['add', 'data/parts', 'dv.yaml']);
  dvOk(dir, ['commit', '-m', 'partitions']);
  const runs: string[] = dvJson(dir, ['show', 'HEAD']).meta.runs;
  assert.equal(runs.length, Object.keys(parts).length);
  const p0 = runs.map((id) => dvJson(dir, ['show', id]).record).find((rec: any) => rec.partition === 'p0.csv');
  assert.deepEqual(p0.io, { in: 'data/parts/p0.csv', out: 'data/feat/p0.csv' });
  assert.deepEqual(p0.delta.fed, 1);
  assert.match(dvOk(dir, ['replay', 'HEAD']), new RegExp(`${runs.length} reproduced, 0 diverged`));
  assert.equal(dvJson(dir, ['status']).stages[0].state, 'up-to-date');
});

test('foreach + map: a changed header, JSONL partitions and empty files; a repeated key is refused with the outputs left as they were', () => {
  const dir = makeProject({
    'data/parts/a.csv': csv([['1', 1], ['2', 2], ['3', 3]]),
    'data/parts/b.jsonl': '{"id":10,"v":1}\n{"id":11,"v":2}\n',
    'data/parts/c.csv': '',
    'scripts/map.mjs': MAP, 'dv.yaml': STAGE,
  });
  dvOk(dir, ['repro']);
  takeLog(dir);
  // a.csv gains a column (every row changes: a full run of it); b.jsonl changes one row.
  writeFiles(dir, {
    'data/parts/a.csv': 'id,v,extra\n1,1,x\n2,2,x\n3,3,x\n',
    'data/parts/b.jsonl': '{"id":10,"v":1}\n{"id":11,"v":5}\n',
  });
  const r = dvJson(dir, ['repro', '--verify-delta']);
  const by = Object.fromEntries(r.stages[0].partitions.map((p: any) => [p.partition, p]));
  assert.equal(by['a.csv'].delta, undefined);
  assert.deepEqual(by['b.jsonl'].delta, { fed: 1, dropped: 0, total: 2 });
  assert.equal(by['c.csv'].status, 'up-to-date');
  assert.deepEqual(takeLog(dir).sort(), ['1 delta-in.jsonl', '2 b.jsonl', '3 a.csv']); // b.jsonl twice: the delta, then --verify-delta's full run
  assert.equal(read(dir, 'data/feat/b.jsonl'), '{"id":10,"w":2}\n{"id":11,"w":10}\n');
  // A key repeated among the changed rows of a partition is refused before anything runs; no output changes.
  const before = outputs(dir, 'data/feat');
  writeFiles(dir, { 'data/parts/b.jsonl': '{"id":10,"v":1}\n{"id":11,"v":6}\n{"id":11,"v":7}\n' });
  const bad = dv(dir, ['repro']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /data\/parts\/b\.jsonl: key '11' appears twice/);
  assert.deepEqual(outputs(dir, 'data/feat'), before);
  assert.deepEqual(takeLog(dir), []);
  assert.deepEqual(fs.readdirSync(path.join(dir, '.dv/tmp')), []); // no scratch left behind, no half-made copy
  // Emptied: the partition's output follows.
  writeFiles(dir, { 'data/parts/b.jsonl': '' });
  dvOk(dir, ['repro', '--verify-delta']);
  assert.equal(read(dir, 'data/feat/b.jsonl'), '');
  assert.deepEqual(fs.readdirSync(path.join(dir, '.dv/tmp')), []);
  // One copy per partition's latest input, named by content (the two empty partitions share one).
  const copies = fs.readdirSync(path.join(dir, '.dv/cache/map-inputs')).filter((f) => /^[0-9a-f]{64}$/.test(f));
  assert.equal(copies.length, 2);
});

test('map: reordered rows, a command that does not keep the row order, and a missing or damaged input copy all give the full recompute', () => {
  const rand = rng(99);
  let rows: Rows = Array.from({ length: 300 }, (_, i) => [String(i), Math.floor(rand() * 100)]);
  const dir = makeProject({
    'data/in.csv': csv(rows), 'scripts/map.mjs': MAP,
    'dv.yaml': 'stages:\n  feat:\n    map:\n      input: data/in.csv\n      key: id\n    cmd: node scripts/map.mjs\n    deps: [scripts/map.mjs]\n    outs: [data/feat.csv]\n',
  });
  dvOk(dir, ['repro']);
  const copies = path.join(dir, '.dv/cache/map-inputs');
  const full = () => { const out = read(dir, 'data/feat.csv'); dvOk(dir, ['repro', '--force']); return [out, read(dir, 'data/feat.csv')]; };
  // A block of rows moves, two rows swap, one changes: the moved rows are fed again.
  rows = [...rows.slice(0, 10), ...rows.slice(60, 200), ...rows.slice(10, 60), ...rows.slice(200)];
  [rows[250], rows[251]] = [rows[251]!, rows[250]!];
  rows[5] = [rows[5]![0], 1000];
  writeFiles(dir, { 'data/in.csv': csv(rows) });
  const moved = dvJson(dir, ['repro', '--verify-delta']).stages[0];
  assert.equal(moved.verified, true);
  assert.ok(moved.delta.fed >= 2 && moved.delta.fed <= 60, JSON.stringify(moved.delta));
  let [merged, recomputed] = full();
  assert.equal(merged, recomputed);
  // The previous input's copy is gone, or holds other bytes: the store answers, the copy is remade.
  fs.rmSync(copies, { recursive: true });
  rows[7] = [rows[7]![0], 2000];
  writeFiles(dir, { 'data/in.csv': csv(rows) });
  assert.equal(dvJson(dir, ['repro']).stages[0].delta.fed, 1);
  [merged, recomputed] = full();
  assert.equal(merged, recomputed);
  // Same size, other bytes: caught by the hash as the copy is read.
  const copy = path.join(copies, fs.readdirSync(copies).find((f) => /^[0-9a-f]{64}$/.test(f))!);
  const bytes = fs.readFileSync(copy);
  const at = bytes.indexOf('\n3,') + 3;
  bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31;
  fs.writeFileSync(copy, bytes);
  rows[9] = [rows[9]![0], 3000];
  writeFiles(dir, { 'data/in.csv': csv(rows) });
  assert.equal(dvJson(dir, ['repro']).stages[0].delta.fed, 1);
  [merged, recomputed] = full();
  assert.equal(merged, recomputed);
  // A command whose output is sorted by value, not in input order: the merge is not in step, and the stage maps in full.
  writeFiles(dir, { 'scripts/map.mjs': MAP.replace('const out = rows.map', 'rows.sort((a, b) => a.v - b.v || (a.id < b.id ? -1 : 1));\nconst out = rows.map') });
  dvOk(dir, ['repro']);
  rows[11] = [rows[11]![0], -5];
  writeFiles(dir, { 'data/in.csv': csv(rows) });
  const sorted = dvJson(dir, ['repro']).stages[0];
  assert.equal(sorted.status, 'ran');
  assert.equal(sorted.delta, undefined);
  [merged, recomputed] = full();
  assert.equal(merged, recomputed);
});
