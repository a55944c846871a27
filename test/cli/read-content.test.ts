import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { hashBytes } from '../../src/hash/index.js';
import { corruptPacks, dv, dvOk, makeRepo, tmpDir } from '../helpers.js';

/** Flips one byte in the middle of every pack file, as a failing disk would. */

test('reads of a corrupted object fail with its id, exit 1, and leave the working tree alone', () => {
  const content = Buffer.from('id,value\n' + Array.from({ length: 4000 }, (_, i) => `${i},${(i * 7919) % 1000}`).join('\n') + '\n');
  const dir = makeRepo({ 'data.csv': content });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'v1']);
  fs.writeFileSync(path.join(dir, 'data.csv'), 'id,value\nnew\n');
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'v2']);
  corruptPacks(dir);
  const id = hashBytes(content);

  const cat = dv(dir, ['cat', 'HEAD~1:data.csv']);
  assert.equal(cat.code, 1);
  assert.match(cat.stderr, new RegExp(`^dv: object ${id.slice(0, 12)}`, 'm'));
  assert.match(cat.stderr, /corrupt|does not decompress|hashes to/);

  const co = dv(dir, ['checkout', 'HEAD~1']);
  assert.equal(co.code, 1);
  assert.match(co.stderr, /^dv: object [0-9a-f]{64}/);
  assert.equal(fs.readFileSync(path.join(dir, 'data.csv'), 'utf8'), 'id,value\nnew\n', 'the good file was not replaced');
  assert.equal(JSON.parse(dvOk(dir, ['status', '--json'])).unstaged.modified.length, 0);

  const out = path.join(tmpDir(), 'out');
  assert.equal(dv(dir, ['export', 'HEAD~1', out]).code, 1);
  const fsck = dv(dir, ['fsck']);
  assert.equal(fsck.code, 1);
  assert.match(fsck.stdout + fsck.stderr, new RegExp(id));
});

test('cat --json embeds text as utf8 and binary as base64', () => {
  const dir = makeRepo({ 'a.csv': 'x,y\n1,2\n', 'b.bin': Buffer.from([0, 255, 1, 254]) });
  dvOk(dir, ['add', '.']);
  dvOk(dir, ['commit', '-m', 'one']);
  const a = JSON.parse(dvOk(dir, ['cat', 'HEAD:a.csv', '--json']));
  assert.deepEqual([a.encoding, a.content, a.size], ['utf8', 'x,y\n1,2\n', 8]);
  const b = JSON.parse(dvOk(dir, ['cat', 'HEAD:b.bin', '--json']));
  assert.deepEqual([b.encoding, Buffer.from(b.content, 'base64')], ['base64', Buffer.from([0, 255, 1, 254])]);
});
