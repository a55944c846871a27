import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffKeyedRows, mergeKeyedRows } from '../../src/pipeline/row-delta.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

/** Content in pieces of random sizes, so lines straddle pieces. */
function pieces(text: string, rand: () => number): Uint8Array[] {
  const b = Buffer.from(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length;) {
    const n = 1 + Math.floor(rand() * 40);
    out.push(b.subarray(i, i + n));
    i += n;
  }
  return out;
}

const csv = (rows: Array<[string, number]>) => ['id,v', ...rows.map(([k, v]) => `${k},${v}`)].join('\n') + '\n';
/** A map that drops odd values and doubles rows whose value is divisible by 5: 0, 1 or 2 output rows per input row. */
const mapRows = (rows: Array<[string, number]>) => rows.flatMap(([k, v]) => (v % 2 ? [] : v % 5 === 0 ? [`${k},${v},a`, `${k},${v},b`] : [`${k},${v},a`]));

test('row diff and merge equal the full map under edits, insertions, deletions, moves and filtering (randomised)', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rand = rng(seed);
    let rows: Array<[string, number]> = Array.from({ length: 60 }, (_, i) => [`k${i}`, Math.floor(rand() * 100)]);
    const prevIn = csv(rows);
    const prevOut = ['id,v,tag', ...mapRows(rows)].join('\n') + '\n';
    // Corrections: edits, deletions, insertions, and (for some seeds) moved blocks.
    let next = rows.filter(() => rand() > 0.08).map(([k, v]): [string, number] => (rand() < 0.1 ? [k, v + 1 + Math.floor(rand() * 3)] : [k, v]));
    for (let i = 0; i < 5; i++) next.splice(Math.floor(rand() * next.length), 0, [`n${seed}-${i}`, Math.floor(rand() * 100)]);
    if (seed % 3 === 0) { const block = next.splice(5, 7); next.splice(next.length - 3, 0, ...block); }
    if (seed % 7 === 0) next = next.reverse();
    const fed: string[] = [];
    const diff = diffKeyedRows(pieces(prevIn, rand), pieces(csv(next), rand), 'csv', 'id', 'in.csv', (l) => fed.push(Buffer.from(l).toString()));
    const before = new Map(rows.map(([k, v]) => [k, v]));
    const expectedFed = next.filter(([k, v]) => before.get(k) !== v).map(([k]) => k).sort();
    assert.deepEqual([...diff.fed].sort(), expectedFed, `seed ${seed} fed`);
    assert.deepEqual([...diff.deleted].sort(), rows.map(([k]) => k).filter((k) => !next.some(([n]) => n === k)).sort(), `seed ${seed} deleted`);
    assert.deepEqual(diff.order, next.map(([k]) => k));
    assert.equal(fed[0], 'id,v');
    // The command maps only the fed rows; the merge must equal mapping everything.
    const fedRows = next.filter(([k]) => diff.fed.has(k));
    const deltaOut = ['id,v,tag', ...mapRows(fedRows)].join('\n') + '\n';
    const merged: string[] = [];
    mergeKeyedRows(pieces(prevOut, rand), pieces(deltaOut, rand), 'csv', 'id', 'out.csv', diff, (l) => merged.push(Buffer.from(l).toString()));
    assert.deepEqual(merged, ['id,v,tag', ...mapRows(next)], `seed ${seed} merge`);
    rows = next;
  }
});

test('row diff refuses a duplicated key among changed rows and reports a changed header', () => {
  assert.throws(() => diffKeyedRows([Buffer.from('id,v\na,1\n')], [Buffer.from('id,v\na,2\na,3\n')], 'csv', 'id', 'in.csv', () => {}), /key 'a' appears twice/);
  const d = diffKeyedRows([Buffer.from('id,v\na,1\n')], [Buffer.from('id,w\na,1\n')], 'csv', 'id', 'in.csv', () => {});
  assert.equal(d.headerChanged, true);
  assert.throws(() => diffKeyedRows([Buffer.from('id,v\n')], [Buffer.from('x,v\n')], 'csv', 'id', 'in.csv', () => {}), /has no column 'id'/);
  // JSONL: the key is a field; quoted CSV fields are parsed properly.
  const j = diffKeyedRows([Buffer.from('{"id":1,"v":1}\n{"id":2,"v":2}\n')], [Buffer.from('{"id":2,"v":2}\n{"id":1,"v":5}\n')], 'jsonl', 'id', 'in.jsonl', () => {});
  assert.deepEqual([...j.fed], ['1']);
  const q = diffKeyedRows([Buffer.from('v,id\n"a,b",x\n')], [Buffer.from('v,id\n"a,c",x\n')], 'csv', 'id', 'in.csv', () => {});
  assert.deepEqual([...q.fed], ['x']);
});
