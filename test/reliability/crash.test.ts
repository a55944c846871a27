import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hashBytes } from '../../src/hash/index.js';
import { DV, TEST_ENV, dv, dvOk, makeRepo } from '../helpers.js';

const TRIALS = 14;
const BIG = 12 * 1024 * 1024;

/** Deterministic pseudo-random bytes (incompressible enough to exercise packs). */
function bigBuffer(seed: number): Buffer {
  const b = Buffer.allocUnsafe(BIG);
  let s = seed | 1;
  for (let i = 0; i < BIG; i += 4) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    b.writeInt32LE(s | 0, i);
  }
  return b;
}

/** Runs `dv add data && dv commit` and kills the whole process group with SIGKILL after `ms`. */
function commitAndKill(cwd: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `"${process.execPath}" "${DV}" add data && "${process.execPath}" "${DV}" commit -m big`], {
      cwd, env: { ...process.env, ...TEST_ENV }, detached: true, stdio: 'ignore',
    });
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already done */ } }, ms);
    child.on('exit', () => { clearTimeout(timer); resolve(); });
  });
}

test(`kill -9 at random moments during a large add + commit (${TRIALS} trials) never leaves a broken repository`, { timeout: 600_000 }, async () => {
  const dir = makeRepo({ 'data/small.csv': 'id\n1\n' });
  dvOk(dir, ['add', 'data']);
  const base = dvOk(dir, ['commit', '-m', 'base']).trim();
  // Measure one uninterrupted run to spread the kills over its whole duration.
  const probe = makeRepo({ 'data/small.csv': 'id\n1\n' });
  fs.writeFileSync(path.join(probe, 'data/big.bin'), bigBuffer(99));
  const t0 = Date.now();
  await commitAndKill(probe, 600_000);
  const full = Math.max(300, Date.now() - t0);

  let sawOld = 0;
  let sawNew = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const content = bigBuffer(trial + 1);
    fs.writeFileSync(path.join(dir, 'data/big.bin'), content);
    const head = dvOk(dir, ['rev-parse', 'HEAD']).trim();
    await commitAndKill(dir, Math.floor(((trial + 0.5) / TRIALS) * full * 1.1));

    const fsck = dv(dir, ['fsck']);
    assert.equal(fsck.code, 0, `trial ${trial}: fsck after kill\n${fsck.stdout}${fsck.stderr}`);
    const after = dvOk(dir, ['rev-parse', 'HEAD']).trim();
    if (after === head) {
      sawOld++;
    } else {
      sawNew++;
      const parent = dvOk(dir, ['rev-parse', 'HEAD~1']).trim();
      assert.equal(parent, head, `trial ${trial}: the new HEAD sits on the old one`);
      const entries = JSON.parse(dvOk(dir, ['ls', 'HEAD:data', '--json'])) as Array<{ name: string; id: string }>;
      assert.equal(entries.find((e) => e.name === 'big.bin')?.id, hashBytes(content), `trial ${trial}: committed content is the file's`);
    }
    // The repository stays usable: the next add + commit works.
    dvOk(dir, ['add', 'data']);
    const st = JSON.parse(dvOk(dir, ['status', '--json']));
    if (st.staged.added.length + st.staged.modified.length > 0) dvOk(dir, ['commit', '-m', `recover ${trial}`]);
  }
  assert.ok(dvOk(dir, ['log', '--oneline']).includes(base.slice(0, 12)));
  assert.ok(sawOld + sawNew === TRIALS);
});
