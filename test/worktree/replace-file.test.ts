import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { replaceFile } from '../../src/util/index.js';
import { dvOk, makeRepo, tmpDir } from '../helpers.js';

test('replaceFile puts the new file in place of the old one and leaves nothing beside it', () => {
  const dir = tmpDir();
  const target = path.join(dir, 'data.csv');
  fs.writeFileSync(target, 'old\n');
  const hardLink = path.join(dir, 'other-name.csv');
  fs.linkSync(target, hardLink);
  fs.writeFileSync(path.join(dir, 'new.tmp'), 'new\n');
  replaceFile(path.join(dir, 'new.tmp'), target);
  assert.equal(fs.readFileSync(target, 'utf8'), 'new\n');
  // As with a rename over it: another name of the old file keeps the old content.
  assert.equal(fs.readFileSync(hardLink, 'utf8'), 'old\n');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['data.csv', 'other-name.csv']);
});

test('replaceFile to a path that holds nothing is a rename; a symlink there is replaced, not followed', () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'a.tmp'), 'a\n');
  replaceFile(path.join(dir, 'a.tmp'), path.join(dir, 'a.csv'));
  assert.deepEqual(fs.readdirSync(dir), ['a.csv']);
  fs.symlinkSync('a.csv', path.join(dir, 'link.csv'));
  fs.writeFileSync(path.join(dir, 'b.tmp'), 'b\n');
  replaceFile(path.join(dir, 'b.tmp'), path.join(dir, 'link.csv'));
  assert.equal(fs.lstatSync(path.join(dir, 'link.csv')).isSymbolicLink(), false);
  assert.equal(fs.readFileSync(path.join(dir, 'a.csv'), 'utf8'), 'a\n', 'the file the link named is untouched');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['a.csv', 'link.csv']);
});

test('replaceFile whose rename fails puts the old file back and throws', () => {
  const dir = tmpDir();
  const target = path.join(dir, 'data.csv');
  fs.writeFileSync(target, 'old\n');
  assert.throws(() => replaceFile(path.join(dir, 'missing.tmp'), target), /ENOENT/);
  assert.equal(fs.readFileSync(target, 'utf8'), 'old\n');
  assert.deepEqual(fs.readdirSync(dir), ['data.csv']);
});

test('checking out between versions of a file replaces it whole and leaves no temporary names in the working tree', () => {
  const dir = makeRepo({ 'data/big.csv': 'id,v\n' + 'row,1\n'.repeat(50_000), 'data/small.csv': 'a\n' });
  dvOk(dir, ['add', 'data']);
  dvOk(dir, ['commit', '-m', 'v1']);
  const v2 = 'id,v\n' + 'row,2\n'.repeat(50_000);
  fs.writeFileSync(path.join(dir, 'data/big.csv'), v2);
  dvOk(dir, ['add', 'data']);
  dvOk(dir, ['commit', '-m', 'v2']);
  dvOk(dir, ['checkout', '--detach', 'HEAD~1']);
  assert.equal(fs.readFileSync(path.join(dir, 'data/big.csv'), 'utf8'), 'id,v\n' + 'row,1\n'.repeat(50_000));
  dvOk(dir, ['checkout', 'main']);
  assert.equal(fs.readFileSync(path.join(dir, 'data/big.csv'), 'utf8'), v2);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'data')).sort(), ['big.csv', 'small.csv']);
  assert.match(dvOk(dir, ['status']), /nothing to commit/);
});
