import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dv, dvOk } from '../helpers.js';
import { dvJson, makeProject } from './fixture.js';

// Writes 24 files into data/parts (every third one large enough for the native threads,
// 256 KiB and up) and a summary beside them, all derived from data/seed.txt.
const GEN = `import fs from 'node:fs';
const seed = fs.readFileSync('data/seed.txt', 'utf8').trim();
fs.mkdirSync('data/parts', { recursive: true });
for (let f = 0; f < 24; f++) {
  const rows = f % 3 === 0 ? 20000 : 40;
  const lines = [];
  for (let i = 0; i < rows; i++) lines.push(f + ',' + i + ',' + seed + ',' + ((i * 2654435761) % 1000003));
  fs.writeFileSync('data/parts/p' + f + '.csv', lines.join('\\n'));
}
fs.writeFileSync('data/summary.txt', 'seed ' + seed + '\\n');
`;

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = { summary: sha(path.join(dir, 'data/summary.txt')) };
  for (const n of fs.readdirSync(path.join(dir, 'data/parts'))) out[n] = sha(path.join(dir, 'data/parts', n));
  return out;
}

test('outputs restored from the store, many files written at once: the bytes of the run, stray files gone, staged as the run left them, fsck clean', () => {
  const dir = makeProject({
    'scripts/gen.mjs': GEN,
    'data/seed.txt': '1\n',
    'dv.yaml': 'stages:\n  gen:\n    cmd: node scripts/gen.mjs\n    deps: [scripts/gen.mjs, data/seed.txt]\n    outs: [data/parts, data/summary.txt]\n',
  });
  // No output-cache entries: every file comes back from the store.
  dvOk(dir, ['config', 'pipeline.outputCacheBytes', '0']);
  dvOk(dir, ['repro']);
  const first = snapshot(dir);
  assert.ok(fs.statSync(path.join(dir, 'data/parts/p0.csv')).size >= 256 * 1024);
  const staged = dvJson(dir, ['status']).staged;
  fs.writeFileSync(path.join(dir, 'data/seed.txt'), '2\n');
  dvOk(dir, ['repro']);
  assert.notDeepEqual(snapshot(dir), first);

  fs.writeFileSync(path.join(dir, 'data/seed.txt'), '1\n');
  fs.rmSync(path.join(dir, 'data/summary.txt'));
  fs.rmSync(path.join(dir, 'data/parts/p3.csv'));
  fs.writeFileSync(path.join(dir, 'data/parts/p4.csv'), 'edited by hand\n');
  fs.writeFileSync(path.join(dir, 'data/parts/stray.csv'), 'not an output of the run\n');
  const r = dvJson(dir, ['repro']).stages[0];
  assert.equal(r.status, 'restored');
  assert.deepEqual(r.restore, { files: 25, fromOutputCache: 0 });
  assert.deepEqual(snapshot(dir), first);
  assert.equal(fs.existsSync(path.join(dir, 'data/parts/stray.csv')), false);
  const st = dvJson(dir, ['status']);
  assert.deepEqual(st.staged, staged);
  assert.deepEqual(st.unstaged, { modified: [], deleted: [] });
  assert.equal(dv(dir, ['fsck']).code, 0);
});
