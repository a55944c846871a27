import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { dv, dvOk, makeRepo, tmpDir, writeFiles } from '../helpers.js';
import { makeSourceRepo } from './fixtures.js';

describe('bundles', () => {
  const { dir: src } = makeSourceRepo();
  const out = tmpDir();
  const all = path.join(out, 'all.dvb');
  const inc = path.join(out, 'week48.dvb');
  const main = dvOk(src, ['rev-parse', 'main']).trim();
  const v1 = dvOk(src, ['rev-parse', 'v1']).trim();

  test('create: a full bundle and a range; the range holds only what main adds since v1', () => {
    const full = JSON.parse(dvOk(src, ['bundle', 'create', '--json', all, 'main', 'v1']));
    assert.deepEqual(full.refs, { 'refs/heads/main': main, 'refs/tags/v1': v1 });
    assert.deepEqual(full.prerequisites, []);
    const part = JSON.parse(dvOk(src, ['bundle', 'create', '--json', inc, 'v1..main']));
    assert.deepEqual(part.refs, { 'refs/heads/main': main });
    assert.deepEqual(part.prerequisites, [v1]);
    assert.ok(part.objects < full.objects / 2, `${part.objects} of ${full.objects} objects`);
    assert.ok(part.bytes < full.bytes / 10, `the 1% correction travels as deltas: ${part.bytes} of ${full.bytes} bytes`);
    assert.ok(!fs.readdirSync(out).some((f) => f.includes('.tmp-')), 'no temporary file is left');
  });

  test('create refuses a range that names no branch or tag, and a bad revision', () => {
    const r = dv(src, ['bundle', 'create', path.join(out, 'x.dvb'), main]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^dv: the range .* names no branch or tag/);
    assert.equal(dv(src, ['bundle', 'create', path.join(out, 'y.dvb'), 'nope..main']).code, 1);
    assert.ok(!fs.existsSync(path.join(out, 'x.dvb')) && !fs.existsSync(path.join(out, 'y.dvb')));
  });

  test('verify: a full bundle anywhere; a range only where its prerequisite is', () => {
    const v = JSON.parse(dvOk(tmpDir(), ['bundle', 'verify', '--json', all]));
    assert.equal(v.checkedAgainstRepository, false);
    assert.equal(v.refs['refs/heads/main'], main);
    const r = dv(tmpDir(), ['bundle', 'verify', inc]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^dv: bundle .* continues history from commit [0-9a-f]{12}, so it needs a repository that has it\nhint: /);
    assert.equal(JSON.parse(dvOk(src, ['bundle', 'verify', '--json', inc])).checkedAgainstRepository, true);
  });

  test('clone FILE checks out the bundle\'s HEAD branch; the clone is complete', () => {
    const dest = path.join(tmpDir(), 'copy');
    dvOk(path.dirname(dest), ['clone', all, dest]);
    assert.equal(dvOk(dest, ['rev-parse', 'HEAD']).trim(), main);
    assert.ok(fs.readFileSync(path.join(dest, 'data/weather.csv')).equals(fs.readFileSync(path.join(src, 'data/weather.csv'))));
    dvOk(dest, ['fsck']);
    const r = dv(path.dirname(dest), ['clone', inc, path.join(path.dirname(dest), 'partial')]);
    assert.equal(r.code, 1);
    assert.ok(!fs.existsSync(path.join(path.dirname(dest), 'partial')), 'a refused clone leaves no directory');
  });

  test('fetch FILE: a full bundle into an empty repository, then an incremental one on top', () => {
    const dest = makeRepo();
    // Only v1's history first, from a bundle of the tag.
    const first = path.join(tmpDir(), 'v1.dvb');
    dvOk(src, ['bundle', 'create', first, 'v1']);
    const f1 = JSON.parse(dvOk(dest, ['fetch', '--json', first]));
    assert.equal(f1.updated[0].new, v1);
    const f2 = JSON.parse(dvOk(dest, ['fetch', '--json', inc]));
    assert.deepEqual(f2.updated.map((u: { local: string; new: string }) => [u.local, u.new]), [['refs/remotes/week48/main', main]]);
    dvOk(dest, ['checkout', 'refs/remotes/week48/main']);
    assert.ok(fs.readFileSync(path.join(dest, 'data/weather.csv')).equals(fs.readFileSync(path.join(src, 'data/weather.csv'))));
    dvOk(dest, ['fsck']);
  });

  test('unbundle stores the objects, prints the refs and moves none; a bundle cannot be pushed to', () => {
    const dest = makeRepo();
    const u = JSON.parse(dvOk(dest, ['bundle', 'unbundle', '--json', all]));
    assert.ok(u.stored > 10);
    assert.equal(u.refs['refs/heads/main'], main);
    assert.equal(dv(dest, ['rev-parse', 'refs/heads/main']).code, 1, 'no ref was created');
    assert.equal(dvOk(dest, ['cat', `${main}:params.yaml`]), 'seed: 1\n');
    dvOk(dest, ['remote', 'add', 'b', all]);
    writeFiles(dest, { 'x.txt': 'x\n' });
    dvOk(dest, ['add', 'x.txt']);
    dvOk(dest, ['commit', '-m', 'x']);
    const r = dv(dest, ['push', '--force', 'b', 'main']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^dv: .* is a bundle, which cannot be pushed to/);
  });
});
