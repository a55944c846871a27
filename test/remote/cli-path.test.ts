import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dv, dvOk, makeRepo, tmpDir, writeFiles } from '../helpers.js';
import { correctRows, makeSourceRepo } from './fixtures.js';

function bareRemote(): string {
  const dir = path.join(tmpDir(), 'hub.dv');
  dvOk(path.dirname(dir), ['init', '--bare', dir]);
  return dir;
}

test('remote add/list/remove', () => {
  const repo = makeRepo();
  dvOk(repo, ['remote', 'add', 'origin', '/srv/data.dv']);
  dvOk(repo, ['remote', 'add', 'hub', 'http://127.0.0.1:9/hub']);
  const listed = JSON.parse(dvOk(repo, ['remote', 'list', '--json']));
  assert.deepEqual(listed.remotes.map((r: { name: string; url: string }) => [r.name, r.url]), [['hub', 'http://127.0.0.1:9/hub'], ['origin', '/srv/data.dv']]);
  const dup = dv(repo, ['remote', 'add', 'origin', '/x']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /already exists/);
  dvOk(repo, ['remote', 'remove', 'hub']);
  assert.match(dvOk(repo, ['remote', 'list']), /^origin\t\/srv\/data\.dv\n$/);
  const gone = dv(repo, ['remote', 'remove', 'hub']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no remote named 'hub'/);
});

test('remote set-url moves a remote, keeping its remote-tracking refs and partial flag', () => {
  const { dir: a } = makeSourceRepo();
  const hub = bareRemote();
  dvOk(a, ['remote', 'add', 'origin', hub]);
  dvOk(a, ['push']);
  const parent = tmpDir();
  dvOk(parent, ['clone', '--no-checkout', hub, 'p']);
  const p = path.join(parent, 'p');
  const tracked = dvOk(p, ['rev-parse', 'origin/main']);

  // The server moved: a copy of the hub elsewhere.
  const moved = path.join(tmpDir(), 'moved.dv');
  fs.cpSync(hub, moved, { recursive: true });
  fs.rmSync(hub, { recursive: true, force: true });
  assert.equal(dv(p, ['checkout', 'main', '--', 'data/weather.csv']).code, 1, 'the old URL is gone');
  const r = JSON.parse(dvOk(p, ['remote', 'set-url', 'origin', path.relative(p, moved), '--json']));
  assert.deepEqual(r, { name: 'origin', url: moved, partial: true });
  assert.equal(dvOk(p, ['rev-parse', 'origin/main']), tracked, 'remote-tracking refs stay');
  dvOk(p, ['checkout', 'main', '--', 'data/weather.csv']);
  assert.ok(fs.existsSync(path.join(p, 'data/weather.csv')), 'a partial checkout fetches from the new URL');

  const unknown = dv(p, ['remote', 'set-url', 'nope', moved]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^dv: no remote named 'nope'\nhint: remotes here: origin\n$/);
  // A URL or path given where a remote's name belongs: the hint says how to name it.
  for (const [cmd, where] of [['push', 'http://127.0.0.1:9/hub'], ['fetch', '../hub']]) {
    const byUrl = dv(p, [cmd!, where!]);
    assert.equal(byUrl.code, 1);
    assert.equal(byUrl.stderr, `dv: no remote named '${where}'\nhint: remotes are used by name: \`dv remote add NAME ${where}\`, then use NAME (remotes here: origin)\n`);
  }
  assert.match(dvOk(p, ['remote', 'set-url', 'origin', 'http://127.0.0.1:9/hub']), /^Remote origin → http:\/\/127\.0\.0\.1:9\/hub\n$/);
});

test('push, clone, fetch and pull round trip over a path; a 1% correction sends little', () => {
  const { dir: a, csv } = makeSourceRepo();
  const hub = bareRemote();
  dvOk(a, ['remote', 'add', 'origin', hub]);
  const first = JSON.parse(dvOk(a, ['push', '--tags', 'origin', 'main', '--json']));
  assert.deepEqual(first.refs.map((r: { ref: string; status: string }) => [r.ref, r.status]), [['refs/heads/main', 'created'], ['refs/tags/v1', 'created']]);
  assert.equal(dvOk(a, ['rev-parse', 'origin/main']), dvOk(a, ['rev-parse', 'main']));
  const again = JSON.parse(dvOk(a, ['push', '--json']));
  assert.equal(again.objects, 0);
  assert.equal(again.refs[0].status, 'up-to-date');

  const work = path.join(tmpDir(), 'b');
  dvOk(path.dirname(work), ['clone', hub, work]);
  assert.ok(fs.readFileSync(path.join(work, 'data/weather.csv')).equals(correctRows(csv)));
  assert.match(dvOk(work, ['status']), /nothing to commit/);
  assert.equal(dvOk(work, ['rev-parse', 'v1']), dvOk(a, ['rev-parse', 'v1']));
  assert.match(dvOk(work, ['fsck']), /checked/);

  // A second 1% correction pushed from the clone moves only its changed chunks.
  fs.writeFileSync(path.join(work, 'data/weather.csv'), correctRows(correctRows(csv), 97));
  dvOk(work, ['add', 'data']);
  dvOk(work, ['commit', '-m', 'another correction']);
  const inc = JSON.parse(dvOk(work, ['push', '--json']));
  assert.ok(inc.bytes < csv.length * 0.04, `incremental push sent ${inc.bytes} bytes of a ${csv.length}-byte file`);

  const fetched = JSON.parse(dvOk(a, ['fetch', '--json']));
  assert.equal(fetched.updated.length, 1);
  assert.equal(fetched.updated[0].local, 'refs/remotes/origin/main');
  assert.notEqual(dvOk(a, ['rev-parse', 'origin/main']), dvOk(a, ['rev-parse', 'main']));
  const pulled = JSON.parse(dvOk(a, ['pull', '--json']));
  assert.equal(pulled.status, 'fast-forward');
  assert.equal(dvOk(a, ['rev-parse', 'main']), dvOk(work, ['rev-parse', 'main']));
  assert.ok(fs.readFileSync(path.join(a, 'data/weather.csv')).equals(fs.readFileSync(path.join(work, 'data/weather.csv'))));
  assert.match(dvOk(a, ['status']), /nothing to commit/);
  assert.match(dvOk(a, ['pull']), /Already up to date/);
  assert.match(dvOk(hub, ['fsck']), /checked/);
});

test('pull writes the new version of a file as it arrives; a refused pull leaves the old one and nothing else behind', () => {
  const { dir: a, csv } = makeSourceRepo();
  const hub = bareRemote();
  dvOk(a, ['remote', 'add', 'origin', hub]);
  dvOk(a, ['push']);
  const clean = path.join(tmpDir(), 'clean');
  const edited = path.join(tmpDir(), 'edited');
  dvOk(path.dirname(clean), ['clone', hub, clean]);
  dvOk(path.dirname(edited), ['clone', hub, edited]);
  const corrected = correctRows(correctRows(csv), 31);
  fs.writeFileSync(path.join(a, 'data/weather.csv'), corrected);
  dvOk(a, ['add', 'data']);
  dvOk(a, ['commit', '-m', 'corrected upstream']);
  dvOk(a, ['push']);
  const leftovers = (repo: string) => (fs.existsSync(path.join(repo, '.dv/tmp')) ? fs.readdirSync(path.join(repo, '.dv/tmp')) : []);

  // No fetch first: the pull's own fetch writes the file out as its chunks verify.
  const pulled = JSON.parse(dvOk(clean, ['pull', '--json']));
  assert.equal(pulled.status, 'fast-forward');
  assert.ok(fs.readFileSync(path.join(clean, 'data/weather.csv')).equals(corrected));
  assert.match(dvOk(clean, ['status']), /nothing to commit/);
  assert.deepEqual(leftovers(clean), []);

  const mine = Buffer.concat([correctRows(csv), Buffer.from('a local row\n')]);
  fs.writeFileSync(path.join(edited, 'data/weather.csv'), mine);
  const refused = dv(edited, ['pull']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /pull would overwrite local changes: data\/weather.csv/);
  assert.ok(fs.readFileSync(path.join(edited, 'data/weather.csv')).equals(mine), 'the local change is kept');
  assert.deepEqual(leftovers(edited), []);
});

test('a push that is not a fast-forward is refused, and --force overrides it', () => {
  const hub = bareRemote();
  const a = makeRepo({ 'x.txt': 'a\n' });
  dvOk(a, ['add', 'x.txt']);
  dvOk(a, ['commit', '-m', 'a']);
  dvOk(a, ['remote', 'add', 'origin', hub]);
  dvOk(a, ['push']);
  const b = path.join(tmpDir(), 'b');
  dvOk(path.dirname(b), ['clone', hub, b]);
  writeFiles(a, { 'x.txt': 'from a\n' });
  dvOk(a, ['add', 'x.txt']);
  dvOk(a, ['commit', '-m', 'from a']);
  dvOk(a, ['push']);
  writeFiles(b, { 'x.txt': 'from b\n' });
  dvOk(b, ['add', 'x.txt']);
  dvOk(b, ['commit', '-m', 'from b']);
  const before = dvOk(hub, ['rev-parse', 'main']);
  const r = dv(b, ['push']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /push rejected: main .*not a fast-forward/);
  assert.match(r.stderr, /hint: run `dv pull`/);
  assert.equal(dvOk(hub, ['rev-parse', 'main']), before);

  const p = dv(b, ['pull']);
  assert.equal(p.code, 1);
  assert.match(p.stderr, /main and origin\/main have diverged/);
  assert.match(p.stderr, /hint: dv has no merge/);
  assert.equal(fs.readFileSync(path.join(b, 'x.txt'), 'utf8'), 'from b\n');

  dvOk(b, ['push', '--force']);
  assert.equal(dvOk(hub, ['rev-parse', 'main']), dvOk(b, ['rev-parse', 'main']));
});

test('pushing to the checked-out branch of a repository with a working tree is refused', () => {
  const target = makeRepo({ 'x.txt': 'x\n' });
  dvOk(target, ['add', 'x.txt']);
  dvOk(target, ['commit', '-m', 'x']);
  const src = path.join(tmpDir(), 'src');
  dvOk(path.dirname(src), ['clone', target, src]);
  writeFiles(src, { 'x.txt': 'changed\n' });
  dvOk(src, ['add', 'x.txt']);
  dvOk(src, ['commit', '-m', 'change']);
  const before = dvOk(target, ['rev-parse', 'main']);
  const r = dv(src, ['push']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refusing to update the checked-out branch main/);
  assert.doesNotMatch(r.stderr, /fast-forward/);
  assert.match(r.stderr, /hint: push to a bare repository/);
  assert.equal(dvOk(target, ['rev-parse', 'main']), before);
  // Another branch is fine.
  dvOk(src, ['branch', 'feature']);
  dvOk(src, ['push', 'origin', 'feature']);
  assert.equal(dvOk(target, ['rev-parse', 'feature']), dvOk(src, ['rev-parse', 'main']));
});

test('clone --bare and --branch; a failed clone leaves no directory', () => {
  const { dir: a } = makeSourceRepo();
  dvOk(a, ['branch', 'dev', 'v1']);
  const root = tmpDir();
  const bare = JSON.parse(dvOk(root, ['clone', '--bare', a, 'mirror.dv', '--json']));
  assert.equal(bare.bare, true);
  assert.equal(dvOk(path.join(root, 'mirror.dv'), ['rev-parse', 'dev']), dvOk(a, ['rev-parse', 'dev']));
  assert.ok(!fs.existsSync(path.join(root, 'mirror.dv', 'data')));
  dvOk(root, ['clone', '--branch', 'dev', a, 'dev']);
  assert.match(dvOk(path.join(root, 'dev'), ['status']), /On branch dev/);
  assert.equal(dvOk(path.join(root, 'dev'), ['rev-parse', 'HEAD']), dvOk(a, ['rev-parse', 'v1']));
  const bad = dv(root, ['clone', '--branch', 'nope', a, 'x']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no branch 'nope'/);
  assert.ok(!fs.existsSync(path.join(root, 'x')));
  const missing = dv(root, ['clone', path.join(root, 'does-not-exist'), 'y']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /is not a dv repository/);
  assert.ok(!fs.existsSync(path.join(root, 'y')));
});

test('partial clone: checkout of one path fetches only the objects it needs', () => {
  const { dir: a } = makeSourceRepo();
  const root = tmpDir();
  const r = JSON.parse(dvOk(root, ['clone', '--no-checkout', a, 'p', '--json']));
  assert.equal(r.partial, true);
  const p = path.join(root, 'p');
  assert.ok(r.bytes < 20_000, `history and trees only: ${r.bytes} bytes`);
  assert.ok(!fs.existsSync(path.join(p, 'data')));
  // fsck counts content no checkout fetched yet apart from what is missing, and passes.
  const before = JSON.parse(dvOk(p, ['fsck', '--json']));
  assert.deepEqual([before.ok, before.missing, before.notFetched], [true, [], 4]);
  assert.match(dvOk(p, ['fsck']), /^4 file\(s\) not fetched yet \(partial clone: `dv checkout REV -- PATH` fetches what a path needs\)$/m);
  dvOk(p, ['checkout', 'main', '--', 'data/notes/readme.txt']);
  assert.equal(JSON.parse(dvOk(p, ['fsck', '--json'])).notFetched, 3);
  // gc keeps what was fetched and does not take what is not fetched yet for damage.
  assert.equal(JSON.parse(dvOk(p, ['gc', '--json'])).removed, 0);
  assert.equal(JSON.parse(dvOk(p, ['fsck', '--json'])).notFetched, 3);
  assert.equal(fs.readFileSync(path.join(p, 'data/notes/readme.txt'), 'utf8'), 'weather data\n');
  assert.ok(!fs.existsSync(path.join(p, 'data/weather.csv')));
  const packs = path.join(p, '.dv', 'packs');
  const packBytes = fs.existsSync(packs) ? fs.readdirSync(packs).reduce((s, f) => s + fs.statSync(path.join(packs, f)).size, 0) : 0;
  assert.ok(packBytes < 10_000, `only the small file's content was fetched (${packBytes} pack bytes)`);
  dvOk(p, ['checkout', 'main', '--', 'data/weather.csv']);
  assert.ok(fs.readFileSync(path.join(p, 'data/weather.csv')).equals(fs.readFileSync(path.join(a, 'data/weather.csv'))));
});

test('push --delete removes branches and tags on the remote, all or none, and the remote-tracking refs', () => {
  const { dir: a } = makeSourceRepo();
  const hub = bareRemote();
  dvOk(a, ['remote', 'add', 'origin', hub]);
  dvOk(a, ['branch', 'exp/a']);
  dvOk(a, ['push', '--tags', 'origin', 'main', 'exp/a']);
  const id = dvOk(a, ['rev-parse', 'main']);

  // One unknown name refuses the whole deletion.
  const partly = dv(a, ['push', 'origin', '--delete', 'exp/a', 'exp/none']);
  assert.equal(partly.code, 1);
  assert.equal(partly.stderr.split('\n')[0], "dv: the remote has no branch or tag 'exp/none' to delete");
  assert.equal(dvOk(hub, ['rev-parse', 'exp/a']), id);

  const r = JSON.parse(dvOk(a, ['push', 'origin', '--delete', 'exp/a', 'v1', '--json']));
  assert.deepEqual(r.refs.map((x: { ref: string; new: string | null; status: string }) => [x.ref, x.new, x.status]), [
    ['refs/heads/exp/a', null, 'deleted'], ['refs/tags/v1', null, 'deleted'],
  ]);
  assert.equal(r.objects, 0);
  assert.equal(dv(hub, ['rev-parse', 'exp/a']).code, 1, 'the branch is gone on the remote');
  assert.equal(dv(hub, ['rev-parse', 'v1']).code, 1, 'the tag is gone on the remote');
  assert.equal(dv(a, ['rev-parse', 'origin/exp/a']).code, 1, 'its remote-tracking ref is gone');
  assert.equal(dvOk(a, ['rev-parse', 'exp/a']), id, 'the local branch stays');
  assert.match(dvOk(hub, ['reflog', 'exp/a']), /push: delete/);
  assert.equal(dvOk(hub, ['rev-parse', 'main']), id);

  const none = dv(a, ['push', '--delete']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^dv: name the branches to delete on the remote\nhint: dv push origin --delete BRANCH\n$/);
  const text = dv(a, ['push', 'origin', '--delete', 'main']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^ {2}- refs\/heads\/main {2}[0-9a-f]{12} → \(deleted\) {2}deleted$/m);
});

test('push --delete of the branch checked out in a repository with a working tree is refused', () => {
  const { dir: a } = makeSourceRepo();
  const other = makeRepo({ 'x.txt': 'x\n' });
  dvOk(other, ['add', 'x.txt']);
  dvOk(other, ['commit', '-m', 'x']);
  dvOk(a, ['remote', 'add', 'other', other]);
  const r = dv(a, ['push', 'other', '--delete', 'main']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refusing to update the checked-out branch main of a repository with a working tree/);
  assert.equal(dv(other, ['rev-parse', 'main']).code, 0, 'the branch is still there');
});

test('push --dry-run says what would be sent and moves nothing, here or there', () => {
  const { dir: a } = makeSourceRepo();
  const hub = bareRemote();
  dvOk(a, ['remote', 'add', 'origin', hub]);
  const packs = path.join(hub, 'packs');
  const hubState = () => JSON.stringify([fs.existsSync(packs) ? fs.readdirSync(packs) : [], dvOk(hub, ['branch', '--json']), dvOk(hub, ['tag', '--json'])]);
  const before = hubState();
  const dry = JSON.parse(dvOk(a, ['push', '--dry-run', '--tags', 'origin', 'main', '--json']));
  assert.equal(dry.dryRun, true);
  assert.deepEqual(dry.refs.map((r: { ref: string; status: string }) => [r.ref, r.status]), [['refs/heads/main', 'created'], ['refs/tags/v1', 'created']]);
  assert.ok(dry.objects > 0 && dry.bytes > 0, 'it counts what would go');
  assert.equal(hubState(), before, 'the remote is untouched: no pack, no ref');
  assert.equal(dv(a, ['rev-parse', 'origin/main']).code, 1, 'no remote-tracking ref');

  const real = JSON.parse(dvOk(a, ['push', '--tags', 'origin', 'main', '--json']));
  assert.equal(real.dryRun, false);
  assert.equal(real.objects, dry.objects, 'the dry run counted what the push sent');
  assert.equal(real.bytes, dry.bytes);

  const text = dvOk(a, ['push', '-n', 'origin', '--delete', 'v1']);
  assert.match(text, /^ {2}- refs\/tags\/v1 {2}[0-9a-f]{12} → \(deleted\) {2}deleted\nDry run: 0 object\(s\), 0 bytes would be sent; nothing was sent\n$/m);
  assert.equal(dv(hub, ['rev-parse', 'v1']).code, 0, 'the tag is still there');
});
