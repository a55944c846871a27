import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openRepositoryPath } from '../../src/remote/index.js';
import type { Repository } from '../../src/repo/index.js';
import { dv, dvOk, tmpDir } from '../helpers.js';
import { makeSourceRepo } from './fixtures.js';
import { dvAsync, lyingRemote } from './serve-helpers.js';

let src: Repository;
let srcDir: string;

before(() => {
  srcDir = makeSourceRepo().dir;
  src = openRepositoryPath(srcDir);
});
after(async () => { await src.close(); });

test('a remote that sends bytes not matching their id is refused: the clone fails and leaves nothing', async () => {
  const l = await lyingRemote(src, 'wrong-bytes');
  try {
    const root = tmpDir();
    const r = await dvAsync(root, ['clone', l.url, 'c']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dv: object [0-9a-f]{64} (is corrupt|does not)/);
    assert.ok(!fs.existsSync(path.join(root, 'c')));
  } finally { await l.close(); }
});

test('a fetch from a lying remote changes no ref and stores nothing that failed verification', async () => {
  const l = await lyingRemote(src, 'wrong-bytes');
  try {
    const root = tmpDir();
    const repo = path.join(root, 'r');
    dvOk(root, ['init', repo]);
    dvOk(repo, ['remote', 'add', 'origin', l.url]);
    const r = await dvAsync(repo, ['fetch']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /corrupt|does not decode|does not decompress/);
    assert.equal(dv(repo, ['rev-parse', 'origin/main']).code, 1, 'no remote-tracking ref appeared');
    const fsck = dv(repo, ['fsck']);
    assert.equal(fsck.code, 0, fsck.stderr + fsck.stdout);
  } finally { await l.close(); }
});

test('a remote that advertises an object it does not have is caught', async () => {
  const l = await lyingRemote(src, 'phantom-ref');
  try {
    const root = tmpDir();
    const r = await dvAsync(root, ['clone', l.url, 'c']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /did not send/);
    assert.ok(!fs.existsSync(path.join(root, 'c')));
  } finally { await l.close(); }
});
