import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nativeAddon } from '../../src/native/index.js';
import { walkTree } from '../../src/history/index.js';
import { openRepository } from '../../src/repo/index.js';
import type { RepoPath } from '../../src/util/index.js';
import { Materializer } from '../../src/worktree/materialize.js';
import { preallocate } from '../../src/worktree/preallocate.js';
import { dvOk, makeRepo, tmpDir } from '../helpers.js';

test('preallocate: a large file gets its size and its blocks before it is written; a small one is left alone', (t) => {
  if (!nativeAddon()) { t.skip('the native addon is not built'); return; }
  const dir = tmpDir();
  const big = fs.openSync(path.join(dir, 'big'), 'w');
  const small = fs.openSync(path.join(dir, 'small'), 'w');
  try {
    preallocate(big, 5 << 20);
    preallocate(small, 4096);
    const st = fs.fstatSync(big);
    assert.equal(st.size, 5 << 20);
    assert.ok(st.blocks * 512 >= 5 << 20, `blocks reserved: ${st.blocks}`);
    assert.equal(fs.fstatSync(small).size, 0);
    // Writing into the reserved blocks gives back exactly what was written.
    const bytes = Buffer.alloc(5 << 20, 7);
    fs.writeSync(big, bytes, 0, bytes.length, 0);
    assert.ok(fs.readFileSync(path.join(dir, 'big')).equals(bytes));
  } finally {
    fs.closeSync(big);
    fs.closeSync(small);
  }
  assert.throws(() => nativeAddon()!.preallocate(-1, 10), /file descriptor/);
});

test('preallocate: a file checked out whose tree entry states the wrong size gets its content\'s length, on this thread and on the native threads', async () => {
  const content = crypto.randomBytes(3 << 20);
  const dir = makeRepo({ 'big.bin': content });
  dvOk(dir, ['add', 'big.bin']);
  dvOk(dir, ['commit', '-m', 'big']);
  const repo = openRepository(dir);
  try {
    const tree = repo.objects.readCommit(repo.refs.resolve('HEAD')!).tree;
    const [leaf] = [...walkTree(repo.objects, tree)];
    const out = tmpDir();
    const m = new Materializer(repo.objects, out);
    for (const size of [content.length + 4096, content.length - 4096]) {
      m.write({ ...leaf!, path: 'here.bin' as RepoPath, size });
      assert.ok(fs.readFileSync(path.join(out, 'here.bin')).equals(content), `written here, tree size ${size}`);
      await m.writeAsync({ ...leaf!, path: 'threads.bin' as RepoPath, size });
      assert.ok(fs.readFileSync(path.join(out, 'threads.bin')).equals(content), `written on threads, tree size ${size}`);
    }
  } finally {
    await repo.close();
  }
});
