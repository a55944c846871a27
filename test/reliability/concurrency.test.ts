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
    const add = await dvAsync(dir, ['add', 'data']);
    assert.ok(add.code === 0 || /^dv: /.test(add.stderr), `add: clear error or success\n${add.stderr}`);
    const c = await dvAsync(dir, ['commit', '-m', `${name} ${i}`]);
    if (c.code === 0) committed.push(c.stdout.trim());
    else {
      assert.equal(c.code, 1, c.stderr);
      assert.match(c.stderr, /^dv: (ref HEAD moved|nothing to commit)/, 'a losing commit says why in one line');
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
