import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordCursor } from '../../src/rows/index.js';
import { randomTable, rng } from '../contracts/random-table.js';

/** Every record of `bytes` read from pieces of random sizes: line, text, whether quoted, bytes consumed. */
function records(bytes: Buffer, quoted: boolean, seed: number): string[] {
  const r = rng(seed);
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = seed === 0 ? bytes.length : 1 + r.int(r.chance(0.2) ? 2000 : 40);
    pieces.push(bytes.subarray(i, i + n));
    i += n;
  }
  const c = new RecordCursor(pieces[Symbol.iterator](), quoted);
  const out: string[] = [];
  while (c.next()) out.push(`${c.line} ${c.hasQuote} ${c.consumed} ${c.buf.toString('utf8', c.start, c.end)}`);
  out.push(`lines ${c.linesRead}`);
  return out;
}

test('records read the same from pieces of any size as from one buffer (quoted newlines, CRLF, blank lines)', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const bytes = Buffer.from(randomTable(seed, seed % 2 ? 'csv' : 'tsv', 60), 'utf8');
    const whole = records(bytes, seed % 2 === 1, 0);
    assert.deepEqual(records(bytes, seed % 2 === 1, seed), whole, `seed ${seed}`);
  }
});

test('a stray quote that leaves the rest of a CSV quoted reads in linear time, as one last record', () => {
  const rows = ['id,size', '1,5" screen'];
  for (let i = 2; i <= 200_000; i++) rows.push(`${i},${i % 50}`);
  const bytes = Buffer.from(rows.join('\n') + '\n');
  const started = Date.now();
  const got = records(bytes, true, 7);
  assert.equal(got.length, 3);
  assert.equal(got[0], '1 false 8 id,size');
  assert.match(got[1]!, /^2 true \d+ 1,5" screen\n2,2\n/);
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
});
