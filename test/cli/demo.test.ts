// The demo (`npm run demo`) runs end to end on the bundled sample data and its bisect
// names the hotfix that introduced negative rainfall as the first bad commit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, dvOk, tmpDir } from '../helpers.js';

test('scripts/demo.sh runs end to end and bisect finds the bad hotfix', () => {
  const dir = tmpDir('dv-demo-test-');
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'demo.sh')], {
    env: { ...process.env, DV_DEMO_DIR: dir },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `demo failed (exit ${r.status}):\n${r.stderr}\n${r.stdout}`);

  const repo = path.join(dir, 'weather');
  // History: 2024.1 ← elevations ← 2024.2 ← hotfix 2024.2.1 ← docs ← 2024.3 (HEAD).
  const hotfix = dvOk(repo, ['rev-parse', 'HEAD~2']).trim();
  assert.match(dvOk(repo, ['log', '-n', '1', '--oneline', hotfix]), /hotfix 2024\.2\.1/);

  const verdict = r.stdout.split('\n').find((l) => /first bad commit/.test(l));
  assert.ok(verdict, `no "first bad commit" line in the demo output:\n${r.stdout}`);
  assert.ok(verdict.includes(hotfix.slice(0, 12)), `bisect named the wrong commit: ${verdict} (expected ${hotfix})`);

  // Every step shows the command it runs, and the bisect session was reset.
  for (const cmd of ['$ dv init', '$ dv log --oneline', '$ dv diff v1 v2 --stat', '$ dv checkout v1', '$ dv bisect reset']) {
    assert.ok(r.stdout.includes(cmd), `missing step: ${cmd}`);
  }
  assert.equal(dvOk(repo, ['rev-parse', 'HEAD']).trim(), dvOk(repo, ['rev-parse', 'v3']).trim());
});
