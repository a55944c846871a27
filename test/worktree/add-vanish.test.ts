import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openRepository } from '../../src/repo/index.js';
import { add, readIndex } from '../../src/worktree/index.js';
import { InvalidInputError } from '../../src/errors/index.js';
import { dvOk, makeRepo } from '../helpers.js';

test('a file that vanishes between scan and read fails the add cleanly and leaves the index as it was', async () => {
  const dir = makeRepo({ 'data/a.csv': 'a\n', 'data/b.csv': 'b\n' });
  dvOk(dir, ['add', 'data/a.csv']);
  const repo = openRepository(dir);
  try {
    const before = [...readIndex(repo).entries.keys()];
    await assert.rejects(
      add(repo, { paths: ['data'], cwd: dir, onStart: () => fs.rmSync(path.join(dir, 'data/b.csv')) }),
      (err: unknown) => err instanceof InvalidInputError && /file vanished while being added: data\/b\.csv/.test(err.message),
    );
    assert.deepEqual([...readIndex(repo).entries.keys()], before);
  } finally {
    await repo.close();
  }
});
