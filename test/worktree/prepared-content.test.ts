import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Oid } from '../../src/hash/index.js';
import { PreparedContent } from '../../src/worktree/index.js';
import { tmpDir } from '../helpers.js';

const ID_A = 'a'.repeat(64) as Oid;
const ID_B = 'b'.repeat(64) as Oid;

/** `n` pieces of random bytes, each `size` long. */
function pieces(n: number, size: number): Buffer[] {
  return Array.from({ length: n }, () => crypto.randomBytes(size));
}

test('prepared files written in the background hold exactly their pieces at their positions, once settled', async () => {
  const dir = path.join(tmpDir(), 'prep');
  const prepared = new PreparedContent(dir);
  // 48 MiB: more than may be in flight, so some pieces are written at once and some in the background.
  const a = pieces(192, 256 * 1024);
  const b = pieces(3, 1000);
  prepared.start(ID_A, 192 * 256 * 1024);
  prepared.start(ID_B, 3000);
  // Pieces arrive in any order (workers verify them in parallel): odd ones first, then even.
  const order = [...a.keys()].sort((x, y) => (x % 2) - (y % 2) || x - y).reverse();
  for (const [k, i] of order.entries()) {
    prepared.write(ID_A, a[i]!, i * 256 * 1024);
    if (k < b.length) prepared.write(ID_B, b[k]!, k * 1000);
  }
  prepared.end(ID_B, false);
  prepared.end(ID_A, true);
  await prepared.settled();
  assert.equal(prepared.has(ID_A), true);
  assert.equal(prepared.has(ID_B), false, 'content that did not verify is not offered');
  assert.deepEqual(fs.readdirSync(dir), [ID_A], 'and its file is gone');
  const target = path.join(path.dirname(dir), 'a.csv');
  assert.equal(prepared.moveTo(ID_A, target, 0o644), true);
  assert.ok(fs.readFileSync(target).equals(Buffer.concat(a)));
  prepared.dispose();
  assert.equal(fs.existsSync(dir), false);
});

test('a file not ended yet does not hold settling up, and dispose with writes in flight leaves nothing', async () => {
  const dir = path.join(tmpDir(), 'prep');
  const prepared = new PreparedContent(dir);
  prepared.start(ID_A, 17 << 20);
  prepared.write(ID_A, crypto.randomBytes(1 << 20), 0);
  await prepared.settled();
  assert.equal(prepared.has(ID_A), false);
  for (const [i, p] of pieces(16, 1 << 20).entries()) prepared.write(ID_A, p, (i + 1) << 20);
  prepared.dispose();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(fs.existsSync(dir), false);
  assert.equal(prepared.has(ID_A), false);
});
