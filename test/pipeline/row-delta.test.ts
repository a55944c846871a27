import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diffKeyedRows, type RowDelta } from '../../src/pipeline/row-delta.js';
import { DeltaRows, mergeByPosition, mergeKeyedRows, writeFedRows } from '../../src/pipeline/row-merge.js';
import { countOneRowEach, fedOneRowEach } from '../../src/pipeline/one-row-each.js';
import { LineWriter } from '../../src/pipeline/line-writer.js';
import type { RowFormat } from '../../src/pipeline/rows.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

/** Content in pieces of random sizes, so lines straddle pieces (fresh buffers, as the file readers give). */
function pieces(text: string | Buffer, rand: () => number, max = rand() < 0.5 ? 40 : 5000): Iterator<Uint8Array> {
  const b = Buffer.from(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length;) {
    const n = 1 + Math.floor(rand() * max);
    out.push(Buffer.from(b.subarray(i, i + n)));
    i += n;
  }
  return out[Symbol.iterator]();
}

type Row = [string, number];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dv-row-delta-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => { const p = path.join(tmp, name); fs.writeFileSync(p, text); return p; };

const table = (format: RowFormat, rows: Row[], eol = '\n') => (format === 'csv'
  ? ['id,v', ...rows.map(([k, v]) => `${k},${v}`)]
  : rows.map(([k, v]) => JSON.stringify({ id: /^\d+$/.test(k) ? Number(k) : k, v }))).join(eol) + eol;
/** A row-wise map: 0, 1 or 2 output rows per input row (`filtering`), or exactly one. */
const mapRows = (format: RowFormat, rows: Row[], filtering: boolean) => {
  const out = rows.flatMap(([k, v]): string[] => {
    const one = format === 'csv' ? [`${k},${v * 2}`] : [JSON.stringify({ id: /^\d+$/.test(k) ? Number(k) : k, w: v * 2 })];
    if (!filtering) return one;
    return v % 2 ? [] : v % 5 === 0 ? [...one, ...one] : one;
  });
  return (format === 'csv' ? ['id,w', ...out] : out).map((l) => `${l}\n`).join('');
};

/** Maps the fed rows (as the command would, from the file writeFedRows wrote) and merges; returns the merged text. */
function applyDelta(format: RowFormat, input: string, diff: RowDelta, prevOut: string, filtering: boolean, rand: () => number, how: 'keys' | 'position'): string | null {
  const fedFile = path.join(tmp, `fed.${format}`);
  const w = new LineWriter(fedFile);
  writeFedRows(input, diff, w, { header: true });
  w.close();
  const fedLines = fs.readFileSync(fedFile, 'utf8').split('\n').filter(Boolean).slice(format === 'csv' ? 1 : 0);
  const fedRows = fedLines.map((l): Row => {
    if (format === 'csv') { const [k, v] = l.replace(/\r$/, '').split(','); return [k!, Number(v)]; }
    const o = JSON.parse(l) as { id: unknown; v: number };
    return [String(o.id), o.v];
  });
  assert.deepEqual(fedRows.map(([k]) => k), diff.fed.map((r) => r.key), 'fed rows in input order');
  const deltaOut = mapRows(format, fedRows, filtering);
  if (how === 'position' && !fedOneRowEach(pieces(deltaOut, rand), format, 'id', diff.fed.map((r) => r.key))) return null;
  const merged = path.join(tmp, `merged.${format}`);
  const out = new LineWriter(merged);
  const delta = new DeltaRows(pieces(deltaOut, rand), format, 'id', 'delta');
  const args = { current: pieces(fs.readFileSync(input), rand), inFormat: format, input: 'in', previousOut: pieces(prevOut, rand), outFormat: format, output: 'out', key: 'id', diff, delta, write: out };
  const r = how === 'keys' ? mergeKeyedRows(args) : mergeByPosition(args);
  out.close();
  if (!r.inStep || delta.has) return null;
  return fs.readFileSync(merged, 'utf8');
}

test('row diff and merges equal the full map under edits, insertions, deletions, moves, CRLF and filtering (randomised, CSV and JSONL)', () => {
  for (let seed = 1; seed <= 60; seed++) {
    const rand = rng(seed);
    const format: RowFormat = seed % 4 === 0 ? 'jsonl' : 'csv';
    const filtering = seed % 2 === 0;
    let rows: Row[] = Array.from({ length: 400 }, (_, i) => [`${i}`, Math.floor(rand() * 100)]);
    const prevIn = table(format, rows, seed % 5 === 0 ? '\r\n' : '\n');
    const prevOut = mapRows(format, rows, filtering);
    let next = rows.filter(() => rand() > 0.02).map(([k, v]): Row => (rand() < 0.03 ? [k, v + 1 + Math.floor(rand() * 3)] : [k, v]));
    for (let i = 0; i < 5; i++) next.splice(Math.floor(rand() * next.length), 0, [`n${seed}x${i}`, Math.floor(rand() * 100)]);
    const moves = seed % 3 === 0 || seed % 7 === 0;
    if (seed % 3 === 0) { const block = next.splice(5, 7); next.splice(next.length - 3, 0, ...block); }
    if (seed % 7 === 0) next = next.reverse();
    const input = file(`in.${format}`, table(format, next, seed % 6 === 0 ? '\r\n' : '\n'));
    const diff = diffKeyedRows(pieces(prevIn, rand), pieces(fs.readFileSync(input), rand), format, 'id', 'in');
    assert.equal(diff.fullRun, null, `seed ${seed}`);
    const before = new Map(rows);
    const changedOrAdded = next.filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
    const fedKeys = diff.fed.map((r) => r.key);
    for (const k of changedOrAdded) assert.ok(fedKeys.includes(k), `seed ${seed}: ${k} changed or added but not fed`);
    if (!moves) assert.deepEqual([...fedKeys].sort(), [...changedOrAdded].sort(), `seed ${seed}: only changed and added rows are fed`);
    const deleted = rows.map(([k]) => k).filter((k) => !next.some(([n]) => n === k));
    assert.equal(diff.deleted, deleted.length, `seed ${seed} deleted`);
    for (const k of deleted) assert.ok(diff.dropped.has(k));
    assert.equal(diff.currentRows, next.length);
    assert.equal(diff.previousRows, rows.length);
    // Unchanged rows keep one order in both inputs.
    for (let i = 1; i < diff.kept.length; i++) {
      const a = diff.kept[i - 1]!;
      const b = diff.kept[i]!;
      assert.ok(b.current >= a.current + a.count && b.previous >= a.previous + a.count, `seed ${seed}: kept runs in order`);
    }
    const expected = mapRows(format, next, filtering);
    assert.equal(applyDelta(format, input, diff, prevOut, filtering, rand, 'keys'), expected, `seed ${seed} keyed merge`);
    if (!filtering) {
      assert.equal(countOneRowEach(pieces(prevIn, rand), format, pieces(prevOut, rand), format, 'id'), rows.length);
      assert.equal(applyDelta(format, input, diff, prevOut, filtering, rand, 'position'), expected, `seed ${seed} merge by position`);
    }
    rows = next;
  }
});

test('row diff: a changed header or a key the previous input repeats needs a full run; a key the current input repeats among fed rows is refused', () => {
  const d = (a: string, b: string, format: RowFormat = 'csv') => diffKeyedRows(pieces(a, Math.random), pieces(b, Math.random), format, 'id', 'in.csv');
  assert.equal(d('id,v\na,1\n', 'id,w\na,1\n').fullRun, 'the header changed');
  assert.equal(d('id,v\na,1\nb,2\na,3\n', 'id,v\nb,2\n').fullRun, "the previous input repeats key 'a'");
  assert.throws(() => d('id,v\na,1\n', 'id,v\na,2\na,3\n'), /key 'a' appears twice/);
  assert.throws(() => d('id,v\n', 'x,v\n'), /has no column 'id'/);
  assert.throws(() => d('{"id":1}\n', '{"id":2}\n[1]\n', 'jsonl'), /a row has no 'id'/);
  assert.throws(() => d('{"id":1}\n', 'nope\n', 'jsonl'), /a line is not JSON/);
  // Quoted CSV fields are parsed for their key; JSONL keys are fields.
  assert.deepEqual(d('v,id\n"a,b",x\n', 'v,id\n"a,c",x\n').fed.map((r) => r.key), ['x']);
  assert.deepEqual(d('{"id":1,"v":1}\n{"id":2,"v":2}\n', '{"id":2,"v":2}\n{"id":1,"v":5}\n', 'jsonl').fed.map((r) => r.key), ['1']);
  // More than maxFedBytes to feed: a full run is cheaper.
  assert.equal(diffKeyedRows(pieces('id,v\na,1\nb,2\n', Math.random), pieces('id,v\na,9\nb,9\n', Math.random), 'csv', 'id', 'in', { maxFedBytes: 4 }).fullRun, 'most rows changed');
  // Empty inputs.
  assert.deepEqual(d('', 'id,v\na,1\n').fed.map((r) => r.key), ['a']);
  const gone = d('id,v\na,1\n', '');
  assert.equal(gone.deleted, 1);
  assert.equal(gone.currentRows, 0);
});

test('keyed merge: a key an unchanged row shares with a fed row is refused; one it shares with a deleted row is not in step', () => {
  const rand = rng(3);
  const run = (prevIn: string, cur: string, prevOut: string) => {
    const input = file('dup.csv', cur);
    const diff = diffKeyedRows(pieces(prevIn, rand), pieces(cur, rand), 'csv', 'id', 'in');
    return applyDelta('csv', input, diff, prevOut, false, rand, 'keys');
  };
  // The current input repeats a, once unchanged, once added.
  assert.throws(() => run('id,v\na,1\nb,2\n', 'id,v\na,1\nb,2\na,3\n', 'id,w\na,2\nb,4\n'), /key 'a' appears twice/);
  // The previous input had a twice; one went.
  assert.equal(run('id,v\na,1\nb,2\na,3\n', 'id,v\na,1\nb,2\n', 'id,w\na,2\nb,4\na,6\n'), null);
  // Repeats among unchanged rows only merge as a full run maps them.
  assert.equal(run('id,v\na,1\nb,2\na,3\nc,1\n', 'id,v\na,1\nb,2\na,3\nc,5\n', 'id,w\na,2\nb,4\na,6\nc,2\n'), 'id,w\na,2\nb,4\na,6\nc,10\n');
});

test('merges report outputs that do not follow the input order as not in step', () => {
  const rand = rng(5);
  const prevIn = 'id,v\na,1\nb,2\nc,3\n';
  const cur = 'id,v\na,1\nb,5\nc,3\n';
  const input = file('order.csv', cur);
  const diff = diffKeyedRows(pieces(prevIn, rand), pieces(cur, rand), 'csv', 'id', 'in');
  const merge = (prevOut: string, deltaOut: string) => {
    const out = new LineWriter(path.join(tmp, 'o.csv'));
    const delta = new DeltaRows(pieces(deltaOut, rand), 'csv', 'id', 'd');
    const r = mergeKeyedRows({ current: pieces(cur, rand), inFormat: 'csv', input: 'in', previousOut: pieces(prevOut, rand), outFormat: 'csv', output: 'out', key: 'id', diff, delta, write: out });
    out.close();
    return r.inStep && !delta.has;
  };
  assert.equal(merge('id,w\na,2\nb,4\nc,6\n', 'id,w\nb,10\n'), true);
  assert.equal(merge('id,w\nc,6\na,2\nb,4\n', 'id,w\nb,10\n'), false); // previous output sorted otherwise
  assert.equal(merge('id,w\na,2\nb,4\nc,6\n', 'id,w\nb,10\nz,1\n'), false); // a delta row for a key not fed
  assert.equal(merge('id,w\na,2\nb,4\nc,6\n', 'id,x\nb,10\n'), false); // the output header changed
  void input;
});

test('countOneRowEach: one output row per input row with its key, in order', () => {
  const r = Math.random;
  assert.equal(countOneRowEach(pieces('id,v\na,1\nb,2\n', r), 'csv', pieces('id,w\na,x\n\nb,y\n', r), 'csv', 'id'), 2);
  assert.equal(countOneRowEach(pieces('id,v\na,1\nb,2\n', r), 'csv', pieces('id,w\nb,y\na,x\n', r), 'csv', 'id'), null);
  assert.equal(countOneRowEach(pieces('id,v\na,1\nb,2\n', r), 'csv', pieces('id,w\na,x\na,z\nb,y\n', r), 'csv', 'id'), null);
  assert.equal(countOneRowEach(pieces('id,v\na,1\n', r), 'csv', pieces('{"id":"a"}\n', r), 'jsonl', 'id'), 1);
  assert.equal(countOneRowEach(pieces('id,v\na,1\n', r), 'csv', pieces('x\na\n', r), 'csv', 'id'), null);
  assert.equal(fedOneRowEach(pieces('id,w\na,1\nb,2\n', r), 'csv', 'id', ['a', 'b']), true);
  assert.equal(fedOneRowEach(pieces('id,w\na,1\n', r), 'csv', 'id', ['a', 'b']), false);
  assert.equal(fedOneRowEach(pieces('id,w\na,1\na,1\n', r), 'csv', 'id', ['a']), false);
});
