import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkTable, checkTableSplit, parseContracts, splitSettings, type Contract } from '../../src/contracts/index.js';
import { fileChunkSource, type ChunkSource } from '../../src/rows/index.js';
import { parse as parseYaml } from 'yaml';
import { tmpDir } from '../helpers.js';
import { CONTRACT, randomTable, rng } from './random-table.js';

/** The one contract of a dv.yaml `contracts:` section. */
function contract(yaml: string): Contract {
  return parseContracts(parseYaml(yaml))[0]!;
}

/** The content as a source of pieces of random sizes (the path a stored object takes). */
function piecesSource(bytes: Buffer, seed: number): ChunkSource {
  return {
    label: 't',
    size: bytes.length,
    open: function* () {
      const r = rng(seed);
      for (let i = 0; i < bytes.length;) {
        const n = 1 + r.int(300);
        yield bytes.subarray(i, i + n);
        i += n;
      }
    },
  };
}

const NOW = Date.parse('2024-03-01T00:00:00Z');

test('a table checked in segments on worker threads gives exactly the single-threaded result', async () => {
  const dir = tmpDir();
  const configs = [[2, 1], [3, 57], [2, 400], [3, 9]] as const;
  for (let seed = 1; seed <= 12; seed++) {
    const format = (['csv', 'tsv', 'jsonl'] as const)[seed % 3]!;
    const bytes = Buffer.from(randomTable(seed, format, 100 + (seed * 37) % 300), 'utf8');
    const file = path.join(dir, `t${seed}.${format}`);
    fs.writeFileSync(file, bytes);
    const c = contract(CONTRACT + (seed % 4 === 0 ? '  extra_columns: forbid\n' : ''));
    const expected = checkTable(fileChunkSource(file, 't'), format, c, { now: NOW });
    // Threads and segment sizes vary; odd seeds read the file directly, even ones pieces of random sizes.
    const [threads, segmentBytes] = configs[seed % configs.length]!;
    const source = seed % 2 === 1 ? fileChunkSource(file, 't') : piecesSource(bytes, seed);
    const { result, segments } = await checkTableSplit(source, format, c, { now: NOW, threads, segmentBytes });
    assert.deepEqual(result, expected, `seed ${seed} (${format}), ${threads} threads, segments of ${segmentBytes} bytes`);
    assert.ok(segments > 3, `seed ${seed}: split into ${segments} segments`);
    assert.ok(expected.violations.length >= 5, `seed ${seed}: the table breaks rules`);
  }
});

test('a unique value repeated in another segment is reported with the lines of the single-threaded check', async () => {
  // Fixed-width rows: segments of 2 rows end exactly at row ends; repeats fall in other segments and on other threads.
  const rows = ['id,v'];
  for (let i = 0; i < 40; i++) rows.push(`${String(i % 17 === 5 ? 3 : i).padStart(4, '0')},${String(i * 7 % 1000).padStart(3, '0')}`);
  rows.push('0003,999', '12345678901,1', '12345678901,2', '7,1', '007,1', '7,2');
  const bytes = Buffer.from(rows.join('\n') + '\n');
  const c = contract('t:\n  columns:\n    id: { type: integer, unique: true }\n  unique: [[v]]\n');
  const source = piecesSource(bytes, 3);
  const expected = checkTable(source, 'csv', c, { now: NOW });
  const dup = expected.violations.find((v) => v.rule === 'unique' && v.column === 'id')!;
  assert.deepEqual(dup.rows.map((x) => [x.line, x.firstLine]), [[7, 5], [24, 5], [41, 5], [42, 5], [44, 43]]);
  assert.equal(dup.count, 6);
  for (const segmentBytes of [9, 27]) {
    const { result, segments } = await checkTableSplit(source, 'csv', c, { now: NOW, threads: 3, segmentBytes });
    assert.deepEqual(result, expected);
    assert.ok(segments >= 10);
  }
});

test('quoted newlines never end a segment: a CSV made of multi-line records splits into whole records', async () => {
  const rows = ['id,note'];
  for (let i = 1; i <= 60; i++) rows.push(`${i},"line one\nline ""two""\n${i % 7 === 0 ? 'bad' : 'ok'}"`);
  const bytes = Buffer.from(rows.join('\r\n') + '\r\n');
  const c = contract('t:\n  columns:\n    id: { type: integer, unique: true }\n    note: { pattern: "line one\\\\nline \\"two\\"\\\\nok" }\n');
  const expected = checkTable(piecesSource(bytes, 1), 'csv', c, { now: NOW });
  assert.equal(expected.rows, 60);
  assert.equal(expected.violations[0]!.rows[0]!.line, 20);
  for (const segmentBytes of [1, 13]) {
    const { result } = await checkTableSplit(piecesSource(bytes, segmentBytes), 'csv', c, { now: NOW, threads: 2, segmentBytes });
    assert.deepEqual(result, expected);
  }
});

test('a stray quote that makes the rest of a CSV one record stops the split: the table is checked on one thread', async () => {
  const rows = ['id,size', '1,5" screen'];
  for (let i = 2; i <= 150_000; i++) rows.push(`${i},${i % 50}`);
  const file = path.join(tmpDir(), 't.csv');
  fs.writeFileSync(file, rows.join('\n') + '\n');
  assert.ok(fs.statSync(file).size > 1024 * 1024);
  const c = contract('t:\n  columns:\n    id: { type: integer, unique: true }\n');
  const expected = checkTable(fileChunkSource(file, 't'), 'csv', c, { now: NOW });
  assert.equal(expected.rows, 1);
  const { result, segments } = await checkTableSplit(fileChunkSource(file, 't'), 'csv', c, { now: NOW, threads: 2, segmentBytes: 4096 });
  assert.deepEqual(result, expected);
  assert.equal(segments, 1);
  // With the stray quote closed further on, the rows after it are split as usual.
  fs.writeFileSync(file, rows.slice(0, 1000).join('\n') + '\n3000,"\n' + rows.slice(1000).join('\n') + '\n');
  const split = await checkTableSplit(fileChunkSource(file, 't'), 'csv', c, { now: NOW, threads: 2, segmentBytes: 4096 });
  assert.deepEqual(split.result, checkTable(fileChunkSource(file, 't'), 'csv', c, { now: NOW }));
  assert.ok(split.segments > 100);
});

test('a bad JSONL row in a later segment is reported as the single-threaded check reports the first one', async () => {
  const rows: string[] = [];
  for (let i = 1; i <= 50; i++) rows.push(i === 31 || i === 44 ? '{"id": 31,' : `{"id": ${i}}`);
  const bytes = Buffer.from(rows.join('\n') + '\n');
  const c = contract('t:\n  columns:\n    id: integer\n');
  assert.throws(() => checkTable(piecesSource(bytes, 1), 'jsonl', c, { now: NOW }), /t line 31: not valid JSON/);
  await assert.rejects(checkTableSplit(piecesSource(bytes, 1), 'jsonl', c, { now: NOW, threads: 2, segmentBytes: 20 }), /t line 31: not valid JSON/);
});

test('splitting needs two threads and a table of at least two segments; DV_THREADS and DV_VALIDATE_SEGMENT_BYTES set them', () => {
  assert.equal(splitSettings(1 << 30, { DV_THREADS: '1' }), null);
  assert.equal(splitSettings(1 << 30, { DV_THREADS: '0' }), null);
  assert.equal(splitSettings(16 * 1024 * 1024 - 1, { DV_THREADS: '2' }), null);
  assert.deepEqual(splitSettings(16 * 1024 * 1024, { DV_THREADS: '2' }), { threads: 2, segmentBytes: 8 * 1024 * 1024 });
  assert.deepEqual(splitSettings(200, { DV_THREADS: '3', DV_VALIDATE_SEGMENT_BYTES: '100' }), { threads: 3, segmentBytes: 100 });
  assert.equal(splitSettings(199, { DV_THREADS: '3', DV_VALIDATE_SEGMENT_BYTES: '100' }), null);
  assert.deepEqual(splitSettings(16 * 1024 * 1024, { DV_THREADS: '2', DV_VALIDATE_SEGMENT_BYTES: 'lots' }), { threads: 2, segmentBytes: 8 * 1024 * 1024 });
});
