import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { dv, dvAsync, dvOk, makeRepo } from '../helpers.js';


/** One writer: adds its own file and commits, `rounds` times; returns the ids it was told were committed. */
async function writer(dir: string, name: string, rounds: number): Promise<string[]> {
  const committed: string[] = [];
  for (let i = 0; i < rounds; i++) {
    fs.writeFileSync(path.join(dir, `data/${name}-${i}.csv`), `writer,${name}\nround,${i}\n`.repeat(2000));
    // DV_DEBUG: should an internal error ever show up here, its stack comes with the failure.
    const add = await dvAsync(dir, ['add', 'data'], { DV_DEBUG: '1' });
    assert.ok(add.code === 0 || (/^dv: /.test(add.stderr) && !/internal error/.test(add.stderr)), `add: clear error or success\n${add.stderr}`);
    const c = await dvAsync(dir, ['commit', '-m', `${name} ${i}`], { DV_DEBUG: '1' });
    if (c.code === 0) committed.push(c.stdout.trim());
    else {
      assert.equal(c.code, 1, c.stderr);
      assert.match(c.stderr, /^dv: (ref HEAD moved|nothing to commit)/, `a losing commit says why in one line\n${c.stderr}`);
    }
  }
  return committed;
}

test('two processes adding and committing at once keep a consistent history; nothing committed is lost', { timeout: 300_000 }, async () => {
  const dir = makeRepo({ 'data/seed.csv': 'a\n' });
  dvOk(dir, ['add', 'data']);
  dvOk(dir, ['commit', '-m', 'seed']);
  const [a, b] = await Promise.all([writer(dir, 'a', 8), writer(dir, 'b', 8)]);
  assert.equal(dv(dir, ['fsck']).code, 0);
  const log = JSON.parse(dvOk(dir, ['log', '--json']));
  const ids = new Set((log as Array<{ id: string }>).map((c: { id: string }) => c.id));
  for (const id of [...a, ...b]) assert.ok(ids.has(id), `committed ${id} is in the history`);
  // A final add + commit picks up whatever was staged but lost a race.
  dvOk(dir, ['add', 'data']);
  dv(dir, ['commit', '-m', 'final']);
  const files = JSON.parse(dvOk(dir, ['ls', 'HEAD:data', '--json']));
  assert.equal((files as unknown[]).length, 17);
});

test('status while another process stages and commits: every status answers, and the last one is what the JavaScript scan says', { timeout: 300_000 }, async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 400; i++) files[`data/d${i % 8}/f${i}.csv`] = `row,${i}\n`;
  const dir = makeRepo(files);
  dvOk(dir, ['add', 'data']);
  dvOk(dir, ['commit', '-m', 'base']);
  let writing = true;
  const writerDone = (async () => {
    try {
      for (let i = 0; i < 6; i++) {
        fs.writeFileSync(path.join(dir, `data/d${i}/f${i}.csv`), `changed,${i}\n`);
        fs.writeFileSync(path.join(dir, `data/new-${i}.csv`), `new,${i}\n`);
        assert.equal((await dvAsync(dir, ['add', 'data'])).code, 0);
        if (i % 2 === 1) assert.equal((await dvAsync(dir, ['rm', '--cached', `data/new-${i - 1}.csv`])).code, 0);
        assert.equal((await dvAsync(dir, ['commit', '-m', `round ${i}`])).code, 0);
      }
    } finally {
      writing = false;
    }
  })();
  let statuses = 0;
  while (writing) {
    const s = await dvAsync(dir, ['status', '--json']);
    assert.equal(s.code, 0, s.stderr);
    JSON.parse(s.stdout);
    statuses++;
  }
  await writerDone;
  assert.ok(statuses > 0);
  const native = JSON.parse(dvOk(dir, ['status', '--json']));
  assert.deepEqual(native, JSON.parse(dvOk(dir, ['status', '--json'], { env: { DV_NATIVE: '0' } })));
  // Each round's add takes back what the round before unstaged, but for the last one.
  assert.deepEqual([native.untracked, native.unstaged], [['data/new-4.csv'], { modified: [], deleted: [] }]);
});
