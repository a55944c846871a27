import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { dv, dvOk, writeFiles } from '../helpers.js';
import { dvJson, makeProject, read } from './fixture.js';

/** A row-wise transform: logs each row it sees to rows.log, writes key + derived columns. */
const ROW_MAP = `import fs from 'node:fs';
const lines = fs.readFileSync(process.env.DV_IN, 'utf8').split('\\n').filter(Boolean);
const [header, ...rows] = lines;
fs.appendFileSync('rows.log', rows.length + '\\n');
fs.writeFileSync(process.env.DV_OUT, ['id,v2,label', ...rows.map((r) => { const [id, v] = r.split(','); return [id, Number(v) * 2, Number(v) % 2 ? 'odd' : 'even'].join(','); })].join('\\n') + '\\n');
`;

/** A per-file transform: upper-cases a partition, logging its name. */
const PART = `import fs from 'node:fs';
fs.appendFileSync('parts.log', process.env.DV_IN + '\\n');
fs.writeFileSync(process.env.DV_OUT, fs.readFileSync(process.env.DV_IN, 'utf8').toUpperCase());
`;

function logLines(dir: string, file: string): string[] {
  const f = path.join(dir, file);
  const lines = fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : [];
  fs.rmSync(f, { force: true });
  return lines;
}

test('foreach: one run per file of the input directory; after a correction only changed and added partitions run, deleted ones lose their output', () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 6; i++) files[`data/raw/p${i}.txt`] = `part ${i}\n`;
  const dir = makeProject({
    ...files, 'scripts/part.mjs': PART,
    'dv.yaml': 'stages:\n  upper:\n    foreach: data/raw\n    cmd: node scripts/part.mjs\n    deps: [scripts/part.mjs]\n    outs: [data/upper]\n',
  });
  const first = dvJson(dir, ['repro']);
  assert.equal(first.stages[0].status, 'ran');
  assert.equal(first.stages[0].partitions.length, 6);
  assert.equal(logLines(dir, 'parts.log').length, 6);
  assert.equal(read(dir, 'data/upper/p3.txt'), 'PART 3\n');

  writeFiles(dir, { 'data/raw/p2.txt': 'part two, corrected\n', 'data/raw/p9.txt': 'new part\n' });
  fs.rmSync(path.join(dir, 'data/raw/p4.txt'));
  const st = dvJson(dir, ['status']).stages[0];
  assert.equal(st.state, 'stale');
  assert.deepEqual(st.reasons.sort(), ['output data/upper/p4.txt belongs to no partition', 'partition p2.txt changed', 'partition p9.txt is new']);
  const second = dvJson(dir, ['repro']);
  assert.deepEqual(logLines(dir, 'parts.log').sort(), ['data/raw/p2.txt', 'data/raw/p9.txt']);
  assert.deepEqual(second.stages[0].partitions.filter((p: any) => p.status === 'ran').map((p: any) => p.partition).sort(), ['p2.txt', 'p9.txt']);
  assert.equal(read(dir, 'data/upper/p2.txt'), 'PART TWO, CORRECTED\n');
  assert.equal(read(dir, 'data/upper/p9.txt'), 'NEW PART\n');
  assert.equal(fs.existsSync(path.join(dir, 'data/upper/p4.txt')), false);
  assert.deepEqual(dvJson(dir, ['status']).stages[0], { stage: 'upper', state: 'up-to-date', reasons: [] });
  // The output directory is staged as it now is; committing links one run per partition.
  dvOk(dir, ['add', 'dv.yaml', 'data/raw']);
  dvOk(dir, ['commit', '-m', 'partitions']);
  assert.equal(dvJson(dir, ['show', 'HEAD']).meta.runs.length, 6);
  assert.match(dvOk(dir, ['replay', 'HEAD']), /6 reproduced, 0 diverged, 0 not replayable/);
  // Put back the deleted partition: its earlier run answers from the cache.
  writeFiles(dir, { 'data/raw/p4.txt': 'part 4\n' });
  const third = dvJson(dir, ['repro']);
  assert.deepEqual(third.stages[0].partitions.filter((p: any) => p.status !== 'up-to-date').map((p: any) => [p.partition, p.status]), [['p4.txt', 'restored']]);
  assert.deepEqual(logLines(dir, 'parts.log'), []);
});

/** A deterministic pseudo-random generator for the randomised corrections. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

test('map: only added and changed rows are fed, deleted and changed keys are dropped, and the merge equals a full recompute (randomised corrections)', () => {
  const rand = rng(12345);
  let rows = new Map<number, number>();
  for (let id = 1; id <= 200; id++) rows.set(id, Math.floor(rand() * 1000));
  let nextId = 201;
  const csv = () => ['id,v', ...[...rows].map(([id, v]) => `${id},${v}`)].join('\n') + '\n';
  const dir = makeProject({
    'scripts/map.mjs': ROW_MAP, 'data/in.csv': csv(),
    'dv.yaml': 'stages:\n  enrich:\n    map:\n      input: data/in.csv\n      key: id\n    cmd: node scripts/map.mjs\n    deps: [scripts/map.mjs]\n    outs: [data/enriched.csv]\n',
  });
  const first = dvJson(dir, ['repro']);
  assert.equal(first.stages[0].status, 'ran');
  assert.deepEqual(logLines(dir, 'rows.log'), ['200']);

  for (let round = 0; round < 3; round++) {
    // Change ~5% of values, delete a few keys, insert a few new ones in the middle.
    let changed = 0;
    const next = new Map<number, number>();
    for (const [id, v] of rows) {
      const r = rand();
      if (r < 0.02) continue; // deleted
      if (r < 0.07) { next.set(id, v + 1 + Math.floor(rand() * 5)); changed++; } else next.set(id, v);
      if (rand() < 0.01) next.set(nextId++, Math.floor(rand() * 1000));
    }
    const added = [...next.keys()].filter((k) => !rows.has(k)).length;
    const deleted = [...rows.keys()].filter((k) => !next.has(k)).length;
    rows = next;
    writeFiles(dir, { 'data/in.csv': csv() });
    const r = dv(dir, ['repro', '--verify-delta', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const outcome = JSON.parse(r.stdout).stages[0];
    assert.equal(outcome.status, 'ran');
    assert.equal(outcome.verified, true);
    assert.deepEqual(outcome.delta, { fed: changed + added, dropped: deleted, total: rows.size });
    assert.deepEqual(logLines(dir, 'rows.log'), [String(changed + added), String(rows.size)]); // the delta run, then the verifying full run
    // And an independent full computation agrees.
    const expected = ['id,v2,label', ...[...rows].map(([id, v]) => `${id},${v * 2},${v % 2 ? 'odd' : 'even'}`)].join('\n') + '\n';
    assert.equal(read(dir, 'data/enriched.csv'), expected, `round ${round}`);
  }
  // The delta run record names its base run and what it fed; replay (a full run of the recorded command) reproduces the merge.
  const last = dvJson(dir, ['status']).stages[0];
  assert.equal(last.state, 'up-to-date');
  dvOk(dir, ['add', 'dv.yaml', 'data/in.csv']);
  dvOk(dir, ['commit', '-m', 'enriched']);
  const runId = dvJson(dir, ['show', 'HEAD']).meta.runs[0];
  const rec = dvJson(dir, ['show', runId]).record;
  assert.match(rec.delta.base, /^[0-9a-f]{64}$/);
  assert.deepEqual(rec.io, { in: 'data/in.csv', out: 'data/enriched.csv' });
  assert.match(dvOk(dir, ['replay', 'HEAD']), /enrich: reproduced/);
});

test('map --verify-delta fails when the command is not row-wise, leaving the previous output', () => {
  // Each output row depends on the row count: not a row-wise map, so a delta run differs from a full one.
  const script = ROW_MAP.replace("Number(v) * 2", "Number(v) * rows.length");
  const dir = makeProject({
    'scripts/map.mjs': script, 'data/in.csv': 'id,v\n1,1\n2,2\n3,3\n',
    'dv.yaml': 'stages:\n  enrich:\n    map:\n      input: data/in.csv\n      key: id\n    cmd: node scripts/map.mjs\n    deps: [scripts/map.mjs]\n    outs: [data/enriched.csv]\n',
  });
  dvOk(dir, ['repro']);
  const before = read(dir, 'data/enriched.csv');
  writeFiles(dir, { 'data/in.csv': 'id,v\n1,1\n2,5\n3,3\n' });
  const r = dv(dir, ['repro', '--verify-delta']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /stage enrich failed: --verify-delta: the delta result differs from the full recompute/);
  assert.equal(read(dir, 'data/enriched.csv'), before);
  // A key column the input lacks is refused by name.
  writeFiles(dir, { 'dv.yaml': read(dir, 'dv.yaml').replace('key: id', 'key: station') });
  const bad = dv(dir, ['repro']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no column 'station'/);
});

test('foreach: incremental results equal a full recompute after randomised corrections', () => {
  const rand = rng(777);
  const files: Record<string, string> = {};
  for (let i = 0; i < 8; i++) files[`data/raw/f${i}.txt`] = `file ${i} ${Math.floor(rand() * 1e6)}\n`;
  const dir = makeProject({
    ...files, 'scripts/part.mjs': PART,
    'dv.yaml': 'stages:\n  upper:\n    foreach: data/raw\n    cmd: node scripts/part.mjs\n    deps: [scripts/part.mjs]\n    outs: [data/upper]\n',
  });
  dvOk(dir, ['repro']);
  const snapshot = () => Object.fromEntries(fs.readdirSync(path.join(dir, 'data/upper')).sort().map((f) => [f, read(dir, `data/upper/${f}`)]));
  for (let round = 0; round < 2; round++) {
    const names = fs.readdirSync(path.join(dir, 'data/raw'));
    for (const n of names) {
      const r = rand();
      if (r < 0.2) fs.rmSync(path.join(dir, 'data/raw', n));
      else if (r < 0.5) writeFiles(dir, { [`data/raw/${n}`]: `changed ${round} ${Math.floor(rand() * 1e6)}\n` });
    }
    writeFiles(dir, { [`data/raw/new${round}.txt`]: `added in round ${round}\n` });
    logLines(dir, 'parts.log');
    dvOk(dir, ['repro']);
    const incremental = snapshot();
    dvOk(dir, ['repro', '--force']);
    assert.deepEqual(snapshot(), incremental, `round ${round}`);
    assert.deepEqual(Object.keys(incremental).sort(), fs.readdirSync(path.join(dir, 'data/raw')).sort());
  }
});
