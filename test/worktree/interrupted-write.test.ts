import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NativeVerifier } from '../../src/store/index.js';
import { bigCsv, dvAsync, dvOk, repoWithVersions } from '../helpers.js';

const temporaries = (dir: string) => fs.readdirSync(dir).filter((f) => f.includes('.dv-tmp-'));

test('Ctrl-C while checkout writes a large file: the partial file goes, the old one, the index and HEAD stay', { skip: !NativeVerifier.create() && 'no native threads', timeout: 180_000 }, async () => {
  // About 72 MiB: long enough on the threads that the interrupt lands while it is written.
  const v1 = Buffer.concat([bigCsv(31), bigCsv(32), bigCsv(33)]);
  const v2 = Buffer.from('id,station,reading,note\n');
  const dir = repoWithVersions('data.csv', [v1, v2]);
  const first = dvOk(dir, ['rev-parse', 'HEAD~1']).trim();
  const head = dvOk(dir, ['rev-parse', 'HEAD']).trim();
  let interrupted = false;
  for (let attempt = 0; attempt < 3 && !interrupted; attempt++) {
    const r = await dvAsync(dir, ['checkout', first], {}, (child) => {
      // Signal as soon as the temporary file appears.
      const poll = setInterval(() => {
        if (temporaries(dir).length > 0) { clearInterval(poll); child.kill('SIGINT'); }
      }, 2);
      child.on('exit', () => clearInterval(poll));
    });
    if (r.code === 0) { dvOk(dir, ['checkout', head]); continue; } // it finished first: try again
    interrupted = true;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /^dv: interrupted while writing data\.csv; the files written before are in place$/m);
  }
  assert.ok(interrupted, 'the checkout was interrupted in one of three attempts');
  assert.deepEqual(temporaries(dir), []);
  assert.ok(fs.readFileSync(path.join(dir, 'data.csv')).equals(v2));
  assert.equal(dvOk(dir, ['rev-parse', 'HEAD']).trim(), head);
  assert.match(dvOk(dir, ['status']), /nothing to commit/);
});

test('temporary files a killed process left are never listed or added, and the next write in their directory removes them', () => {
  const dir = repoWithVersions('data/a.csv', ['id\n1\n', 'id\n2\n']);
  const gone = spawnSync('true').pid!; // a process that has exited
  const stale = [`data/a.csv.dv-tmp-${gone}-0`, `data/b.csv.dv-tmp-${gone}`, `c.dv-tmp-${gone}-3`];
  const live = `data/a.csv.dv-tmp-${process.pid}-0`;
  for (const f of [...stale, live]) fs.writeFileSync(path.join(dir, f), 'partial');
  assert.match(dvOk(dir, ['status']), /nothing to commit/);
  assert.deepEqual(JSON.parse(dvOk(dir, ['status', '--json'])).untracked ?? [], []);
  dvOk(dir, ['add', '.']);
  assert.match(dvOk(dir, ['status']), /nothing to commit/);
  // With rules of the user's in .dvignore too.
  fs.writeFileSync(path.join(dir, '.dvignore'), '*.log\n');
  assert.deepEqual(JSON.parse(dvOk(dir, ['status', '--json'])).untracked, ['.dvignore']);
  fs.rmSync(path.join(dir, '.dvignore'));
  // A checkout writing into data/ removes the stale ones there, not a running process's, nor those elsewhere.
  dvOk(dir, ['checkout', 'HEAD~1']);
  assert.equal(fs.readFileSync(path.join(dir, 'data/a.csv'), 'utf8'), 'id\n1\n');
  assert.deepEqual(temporaries(path.join(dir, 'data')), [path.basename(live)]);
  assert.deepEqual(temporaries(dir), [path.basename(stale[2]!)]);
});
