import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { dv, dvOk, DV, TEST_ENV, makeRepo } from '../helpers.js';
import { buildRepo, standardHistory, expectFailure, refsSnapshot } from '../history/cli-fixture.js';
import { commitOn } from '../history/fixtures.js';
import { encodeRecord } from '../../src/objects/index.js';

let dir: string;
let ids: Awaited<ReturnType<typeof setup>>;
let big: Buffer;

async function setup() {
  big = Buffer.alloc(1_500_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  return buildRepo((repo) => {
    const h = standardHistory(repo);
    const tip = commitOn(repo, {
      'data/a.csv': 'id,v\n1,A\n2,b\n', 'readme.txt': 'hello\n', 'data/side.csv': 's\n', 'blobs/big.bin': big,
    }, 'Add a big binary');
    repo.refs.update({ name: 'refs/tags/v1', new: h.c1, message: 'tag' });
    return { ...h, tip };
  });
}

before(async () => {
  ids = await setup();
  dir = ids.dir;
});

test('log: full format with decorations, merges and message bodies', () => {
  const out = dvOk(dir, ['log']);
  const blocks = out.split(/^commit /m).filter(Boolean);
  assert.equal(blocks.length, 6);
  assert.ok(blocks[0]!.startsWith(`${ids.tip} (HEAD -> main)`));
  assert.match(blocks[1]!, new RegExp(`^${ids.m}\\nMerge: ${ids.c3.slice(0, 12)} ${ids.s1.slice(0, 12)}\\n`));
  assert.match(out, /Author: Test User <test@example.com>\nDate: {3}2024-01-01T\d\d:\d\d:00Z\n\n {4}Add a big binary\n/);
  assert.match(out, / {4}Add row 2\n\n {4}Upstream added a row\.\n/);
  assert.match(out, new RegExp(`commit ${ids.s1} \\(side\\)`));
  assert.match(out, new RegExp(`commit ${ids.c1} \\(tag: v1\\)`));
});

test('log: --oneline, -n, a start revision and paths after --', () => {
  const lines = dvOk(dir, ['log', '--oneline']).trimEnd().split('\n');
  assert.deepEqual(lines.map((l) => l.slice(13)), ['Add a big binary', 'Merge side', 'Fix row 1', 'Side data', 'Add row 2', 'Import upstream']);
  assert.equal(lines[0], `${ids.tip.slice(0, 12)} Add a big binary`);
  assert.equal(dvOk(dir, ['log', '--oneline', '-n', '2']).trimEnd().split('\n').length, 2);
  assert.equal(dvOk(dir, ['log', '--oneline', '-n', '0']), '');
  assert.deepEqual(dvOk(dir, ['log', '--oneline', 'side']).trimEnd().split('\n').map((l) => l.slice(13)), ['Side data', 'Add row 2', 'Import upstream']);
  assert.deepEqual(dvOk(dir, ['log', '--oneline', 'HEAD~1^2~1']).trimEnd().split('\n').map((l) => l.slice(13)), ['Add row 2', 'Import upstream']);
  const ofA = dvOk(dir, ['log', '--oneline', '--', 'data/a.csv']).trimEnd().split('\n').map((l) => l.slice(13));
  assert.deepEqual(ofA, ['Fix row 1', 'Add row 2', 'Import upstream']);
  const ofData = dvOk(dir, ['log', '--oneline', '--', 'data']).trimEnd().split('\n').map((l) => l.slice(13));
  // The merge brings data/side.csv to main while keeping main's a.csv: it differs from both parents.
  assert.deepEqual(ofData, ['Merge side', 'Fix row 1', 'Side data', 'Add row 2', 'Import upstream']);
  // Paths are relative to the current directory.
  fs.mkdirSync(`${dir}/data`, { recursive: true });
  const fromSub = dvOk(`${dir}/data`, ['log', '--oneline', '--', 'side.csv']).trimEnd().split('\n').map((l) => l.slice(13));
  assert.deepEqual(fromSub, ['Side data']);
  assert.equal(dvOk(dir, ['log', '--oneline', '--', 'no/such/path']), '');
});

test('log --json is one array of commits', () => {
  const list = JSON.parse(dvOk(dir, ['log', '--json', '-n', '3'])) as Array<Record<string, unknown>>;
  assert.equal(list.length, 3);
  assert.equal(list[0]!.id, ids.tip);
  assert.deepEqual(list[0]!.refs, ['HEAD -> main']);
  assert.deepEqual(list[1]!.parents, [ids.c3, ids.s1]);
  assert.equal((list[2]!.author as { email: string }).email, 'test@example.com');
  assert.equal(typeof (list[2]!.committer as { date: string }).date, 'string');
  assert.equal(list[2]!.message, 'Fix row 1');
});

test('log failures: unknown revision, past the root, bad -n, stray arguments', () => {
  expectFailure(dv(dir, ['log', 'nope']), 1, "unknown revision 'nope'");
  expectFailure(dv(dir, ['log', 'HEAD~9']), 1, "unknown revision 'HEAD~9': it goes past the root commit");
  expectFailure(dv(dir, ['log', '-n', '-1']), 2, /^dv: -n needs a whole number/);
  expectFailure(dv(dir, ['log', 'main', 'extra']), 2, /^dv: Unknown argument/);
  expectFailure(dv(dir, ['log', '--', '../outside']), 1, /^dv: path is outside the repository/);
  expectFailure(dv(dir, ['log', 'HEAD:readme.txt']), 1, "'HEAD:readme.txt' names a file, not a commit");
});

test('log in a repository without commits explains the unborn branch', async () => {
  const empty = await buildRepo(() => ({}));
  const r = dv(empty.dir, ['log']);
  expectFailure(r, 1, "unknown revision 'HEAD': HEAD points at refs/heads/main, which has no commits yet");
  assert.match(r.stderr, /\nhint: /);
});

test('show: a commit with its file changes against the first parent', () => {
  const out = dvOk(dir, ['show', 'HEAD~2']);
  assert.ok(out.startsWith(`commit ${ids.c3}\n`));
  assert.match(out, / {4}Fix row 1\n\nM {2}data\/a\.csv {2}\(13 B -> 13 B\)\n 1 file changed, 1 modified; \+0 B, -0 B\n$/);
  const merge = dvOk(dir, ['show', ids.m.slice(0, 8)]);
  assert.match(merge, /Merge: /);
  assert.match(merge, /A {2}data\/side\.csv {2}\(2 B\)/);
  const root = dvOk(dir, ['show', 'v1']);
  assert.match(root, /A {2}data\/a\.csv/);
  assert.match(root, /A {2}readme\.txt/);
  assert.match(dvOk(dir, ['show']), /A {2}blobs\/big\.bin {2}\(1\.4 MiB\)/);
});

test('show --json for commits, trees and files', () => {
  const c = JSON.parse(dvOk(dir, ['show', 'HEAD~2', '--json']));
  assert.equal(c.type, 'commit');
  assert.equal(c.id, ids.c3);
  assert.deepEqual(c.changes.map((x: { path: string; status: string }) => `${x.status} ${x.path}`), ['modified data/a.csv']);
  assert.equal(c.changes[0].old.size, 13);
  const t = JSON.parse(dvOk(dir, ['show', 'HEAD:data', '--json']));
  assert.equal(t.type, 'tree');
  assert.equal(t.path, 'data');
  assert.deepEqual(t.entries.map((e: { name: string }) => e.name), ['a.csv', 'side.csv']);
  const f = JSON.parse(dvOk(dir, ['show', 'HEAD:blobs/big.bin', '--json']));
  assert.equal(f.type, 'file');
  assert.equal(f.size, big.length);
  assert.ok(f.chunks > 1, 'a 1.5 MB file is stored as several chunks');
  assert.match(dvOk(dir, ['show', 'HEAD:blobs/big.bin']), new RegExp(`^file [0-9a-f]{64} \\(blobs/big\\.bin\\)\\nsize: {3}${big.length} bytes \\(1\\.4 MiB\\)\\nchunks: ${f.chunks}\\n$`));
});

test('show failures', () => {
  expectFailure(dv(dir, ['show', 'HEAD:missing.csv']), 1, "path 'missing.csv' does not exist in HEAD");
  expectFailure(dv(dir, ['show', 'nope']), 1, "unknown revision 'nope'");
  expectFailure(dv(dir, ['show', ':readme.txt']), 1, "':readme.txt' has no revision before the colon");
});

test('cat writes exact bytes, small and multi-chunk', () => {
  assert.equal(dvOk(dir, ['cat', 'HEAD~1:data/a.csv']), 'id,v\n1,A\n2,b\n');
  assert.equal(dvOk(dir, ['cat', 'v1:data/a.csv']), 'id,v\n1,a\n');
  const r = spawnSync(process.execPath, [DV, 'cat', 'HEAD:blobs/big.bin'], { cwd: dir, env: { ...process.env, ...TEST_ENV }, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0);
  assert.ok(Buffer.compare(r.stdout, big) === 0, 'streamed content equals the original');
  const id = dvOk(dir, ['rev-parse', 'HEAD:readme.txt']).trim();
  assert.equal(dvOk(dir, ['cat', id.slice(0, 10)]), 'hello\n', 'a file id works too');
});

test('cat into a pipe that closes early is not an error', () => {
  const r = spawnSync('bash', ['-c', `set -o pipefail; node ${JSON.stringify(DV)} cat HEAD:blobs/big.bin | head -c 10 > /dev/null`], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
});

test('cat failures: directories, commits, missing paths', () => {
  expectFailure(dv(dir, ['cat', 'HEAD:data']), 1, "'HEAD:data' is a directory, not a file");
  expectFailure(dv(dir, ['cat', 'HEAD:']), 1, "'HEAD:' is a directory, not a file");
  expectFailure(dv(dir, ['cat', 'HEAD']), 1, "'HEAD' is a commit, not a file");
  expectFailure(dv(dir, ['cat', 'HEAD:nope.csv']), 1, "path 'nope.csv' does not exist in HEAD");
  expectFailure(dv(dir, ['cat', 'HEAD:readme.txt/x']), 1, "path 'readme.txt/x' does not exist in HEAD");
  expectFailure(dv(dir, ['cat', 'HEAD:../etc/passwd']), 1, 'path escapes the repository: ../etc/passwd');
  expectFailure(dv(dir, ['cat']), 2, /^dv: Not enough non-option arguments/);
});

test('ls: top level, a directory, recursive, a single file, JSON', () => {
  const top = dvOk(dir, ['ls']).trimEnd().split('\n');
  assert.deepEqual(top.map((l) => l.split('\t')[1]), ['blobs/', 'data/', 'readme.txt']);
  assert.match(top[2]!, /^file {4}[0-9a-f]{64} +6\treadme\.txt$/);
  assert.match(top[1]!, /^tree {4}[0-9a-f]{64} +15\tdata\/$/);
  assert.deepEqual(dvOk(dir, ['ls', 'HEAD:data']).trimEnd().split('\n').map((l) => l.split('\t')[1]), ['a.csv', 'side.csv']);
  assert.deepEqual(dvOk(dir, ['ls', '-r']).trimEnd().split('\n').map((l) => l.split('\t')[1]), ['blobs/big.bin', 'data/a.csv', 'data/side.csv', 'readme.txt']);
  assert.deepEqual(dvOk(dir, ['ls', 'v1', '-r']).trimEnd().split('\n').map((l) => l.split('\t')[1]), ['data/a.csv', 'readme.txt']);
  const one = JSON.parse(dvOk(dir, ['ls', 'HEAD:data/a.csv', '--json']));
  assert.equal(one.length, 1);
  assert.equal(one[0].path, 'data/a.csv');
  assert.equal(one[0].kind, 'file');
  assert.equal(one[0].size, 13);
  expectFailure(dv(dir, ['ls', 'HEAD:nope']), 1, "path 'nope' does not exist in HEAD");
  expectFailure(dv(dir, ['ls', 'nope']), 1, "unknown revision 'nope'");
});

test('rev-parse: names, ancestry, paths, --short, --json, --abbrev-ref', () => {
  assert.equal(dvOk(dir, ['rev-parse', 'HEAD']), `${ids.tip}\n`);
  assert.equal(dvOk(dir, ['rev-parse', 'HEAD~1']), `${ids.m}\n`);
  assert.equal(dvOk(dir, ['rev-parse', 'HEAD^^2']), `${ids.s1}\n`);
  assert.equal(dvOk(dir, ['rev-parse', 'main~2^']), `${ids.c2}\n`);
  assert.equal(dvOk(dir, ['rev-parse', 'side']), `${ids.s1}\n`);
  assert.equal(dvOk(dir, ['rev-parse', 'refs/heads/side']), `${ids.s1}\n`);
  assert.equal(dvOk(dir, ['rev-parse', 'v1']), `${ids.c1}\n`);
  assert.equal(dvOk(dir, ['rev-parse', ids.c3.slice(0, 6)]), `${ids.c3}\n`);
  assert.equal(dvOk(dir, ['rev-parse', '--short', 'HEAD']), `${ids.tip.slice(0, 12)}\n`);
  assert.match(dvOk(dir, ['rev-parse', 'HEAD:data/a.csv']), /^[0-9a-f]{64}\n$/);
  assert.deepEqual(JSON.parse(dvOk(dir, ['rev-parse', 'side', '--json'])), { rev: 'side', id: ids.s1 });
  assert.equal(dvOk(dir, ['rev-parse', '--abbrev-ref', 'HEAD']), 'main\n');
});

test('rev-parse failures leave the repository unchanged', () => {
  const before = refsSnapshot(dir);
  expectFailure(dv(dir, ['rev-parse', 'nope']), 1, "unknown revision 'nope'");
  expectFailure(dv(dir, ['rev-parse', 'HEAD~6']), 1, "unknown revision 'HEAD~6': it goes past the root commit");
  expectFailure(dv(dir, ['rev-parse', 'HEAD~1^3']), 1, "unknown revision 'HEAD~1^3': HEAD~1 has only 2 parents");
  expectFailure(dv(dir, ['rev-parse', 'main~x']), 1, "invalid revision 'main~x'");
  expectFailure(dv(dir, ['rev-parse', 'HEAD:nope']), 1, "path 'nope' does not exist in HEAD");
  expectFailure(dv(dir, ['rev-parse']), 2, /^dv: Not enough non-option arguments/);
  expectFailure(dv(dir, ['rev-parse', 'a', 'b']), 2, /^dv: Unknown argument/);
  const r = dv(dir, ['rev-parse', 'nope']);
  assert.match(r.stderr, /\nhint: use a branch or tag name/);
  assert.equal(refsSnapshot(dir), before);
});

test('an ambiguous short id lists the candidates and fails with exit 1', async () => {
  const amb = await buildRepo((repo) => {
    const batch = repo.objects.batch();
    const seen = new Map<string, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const id = batch.putStructured('run', encodeRecord('run', { n: i }));
      const other = seen.get(id.slice(0, 4));
      if (other) pair = [other, id];
      else seen.set(id.slice(0, 4), id);
    }
    batch.flush();
    return { pair };
  });
  const prefix = amb.pair[0].slice(0, 4);
  const r = dv(amb.dir, ['rev-parse', prefix]);
  expectFailure(r, 1, new RegExp(`^dv: short id '${prefix}' is ambiguous: (${amb.pair[0].slice(0, 12)}|${amb.pair[1].slice(0, 12)}) \\(run\\), `));
  assert.ok(r.stderr.includes(amb.pair[0].slice(0, 12)) && r.stderr.includes(amb.pair[1].slice(0, 12)));
  assert.match(r.stderr, /\nhint: give more characters of the id\n/);
  assert.equal(dvOk(amb.dir, ['rev-parse', amb.pair[1].slice(0, 20)]), `${amb.pair[1]}\n`);
});

test('dv --version prints the version in package.json, and --help says so', () => {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const r = dv(dir, ['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `dv ${pkg.version}\n`);
  assert.equal(r.stderr, '', 'no warning beside it');
  assert.match(dvOk(dir, ['--help']), /`dv --version`\s+prints the version/);
});

test('output into a pipe closed early (`dv ls -r | head -1`) ends quietly with exit 0', () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 3000; i++) files[`many/f${String(i).padStart(5, '0')}.txt`] = `row ${i}\n`;
  const repo = makeRepo(files);
  dvOk(repo, ['add', 'many']);
  dvOk(repo, ['commit', '-m', 'many']);
  const r = spawnSync('bash', ['-c', `set -o pipefail; ${JSON.stringify(DV)} ls -r HEAD | head -1`], { cwd: repo, env: TEST_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /many\/f00000\.txt\n$/);
});
