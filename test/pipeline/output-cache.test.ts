import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { linkOrCopyFile } from '../../src/worktree/index.js';
import { DV, TEST_ENV, dv, dvOk, tmpDir, writeFiles } from '../helpers.js';
import { dvJson, makeProject, read } from './fixture.js';

/** Big enough for an output-cache entry (MIN_CACHED_BYTES is 256 KiB). */
const BIG = 300 * 1024;
const COPY_STAGE = 'stages:\n  copy:\n    cmd: cp data/in.bin data/out.bin\n    deps: [data/in.bin]\n    outs: [data/out.bin]\n';

function cacheDir(dir: string): string {
  return path.join(dir, '.dv', 'cache', 'outputs');
}

/** Content ids that have an entry file. */
function entryIds(dir: string): string[] {
  try {
    return fs.readdirSync(cacheDir(dir)).filter((n) => /^[0-9a-f]{64}$/.test(n)).sort();
  } catch {
    return [];
  }
}

/** The id the latest run of `stage` recorded for `out`. */
function outputId(dir: string, runId: string, out: string): string {
  return dvJson(dir, ['show', runId]).record.outs[out];
}

function bytes(dir: string, p: string): Buffer {
  return fs.readFileSync(path.join(dir, p));
}

test('a cached output is restored from the output cache: a link to the entry the run made, same bytes, staged, fsck clean', () => {
  const input = crypto.randomBytes(BIG);
  const dir = makeProject({ 'data/in.bin': input, 'dv.yaml': COPY_STAGE });
  const run = dvJson(dir, ['repro']).stages[0];
  assert.equal(run.status, 'ran');
  const id = outputId(dir, run.run, 'data/out.bin');
  // The entry is the run's output file itself (a hard link), keyed by its content id.
  assert.deepEqual(entryIds(dir), [id]);
  const entry = path.join(cacheDir(dir), id);
  assert.equal(fs.statSync(entry).ino, fs.statSync(path.join(dir, 'data/out.bin')).ino);
  assert.equal(dv(dir, ['fsck']).code, 0);

  fs.rmSync(path.join(dir, 'data/out.bin'));
  const r = dvJson(dir, ['repro']).stages[0];
  assert.equal(r.status, 'restored');
  assert.deepEqual(r.restore, { files: 1, fromOutputCache: 1 });
  assert.deepEqual(bytes(dir, 'data/out.bin'), input);
  // Nothing else links to the entry once the output was deleted, so the restore linked it back.
  assert.equal(fs.statSync(path.join(dir, 'data/out.bin')).ino, fs.statSync(entry).ino);
  assert.match(dvOk(dir, ['repro']), /copy: up to date/);
  const st = dvJson(dir, ['status']);
  assert.deepEqual(st.unstaged.modified, []);
  assert.ok(st.staged.added.includes('data/out.bin'));

  // While another path still links to the entry, a restore copies it instead (one working-tree path per entry file).
  fs.renameSync(path.join(dir, 'data/out.bin'), path.join(dir, 'kept.bin'));
  const again = dvJson(dir, ['repro']).stages[0];
  assert.deepEqual(again.restore, { files: 1, fromOutputCache: 1 });
  assert.notEqual(fs.statSync(path.join(dir, 'data/out.bin')).ino, fs.statSync(entry).ino);
  assert.deepEqual(bytes(dir, 'data/out.bin'), input);
  const fsck = dv(dir, ['fsck']);
  assert.equal(fsck.code, 0, fsck.stderr + fsck.stdout);
});

test('an output changed in place through its link (append, O_TRUNC rewrite of the same size) is never restored from the entry: the store answers with the right bytes', () => {
  const input = crypto.randomBytes(BIG);
  const dir = makeProject({ 'data/in.bin': input, 'dv.yaml': COPY_STAGE });
  dvOk(dir, ['repro']);
  const out = path.join(dir, 'data/out.bin');
  const [id] = entryIds(dir);
  const entry = path.join(cacheDir(dir), id!);

  // `>>` on the run's own output: the entry's inode changes with it.
  fs.appendFileSync(out, 'one more line\n');
  assert.equal(fs.statSync(entry).size, BIG + 14, 'the entry shares the inode');
  let r = dvJson(dir, ['repro']).stages[0];
  assert.equal(r.status, 'restored');
  assert.deepEqual(r.restore, { files: 1, fromOutputCache: 0 });
  assert.deepEqual(bytes(dir, 'data/out.bin'), input);
  // The invalid entry is gone; the next run makes a fresh one.
  assert.deepEqual(entryIds(dir), []);
  dvOk(dir, ['repro', '--force']);
  assert.deepEqual(entryIds(dir), [id]);

  // Delete, restore (a link to the entry again), then rewrite it in place with other bytes of the same size.
  fs.rmSync(out);
  assert.deepEqual(dvJson(dir, ['repro']).stages[0].restore, { files: 1, fromOutputCache: 1 });
  const fd = fs.openSync(out, 'w'); // O_TRUNC: same inode
  fs.writeSync(fd, crypto.randomBytes(BIG));
  fs.closeSync(fd);
  r = dvJson(dir, ['repro']).stages[0];
  assert.deepEqual(r.restore, { files: 1, fromOutputCache: 0 });
  assert.deepEqual(bytes(dir, 'data/out.bin'), input);
  assert.equal(dv(dir, ['fsck']).code, 0);
});

test('what never touches an entry: a stage appending to its output starts from a new file, an editor replacing the output renames a new one in', () => {
  const input = crypto.randomBytes(BIG);
  const dir = makeProject({ 'data/in.bin': input, 'dv.yaml': COPY_STAGE.replace('cp data/in.bin data/out.bin', 'cat data/in.bin >> data/out.bin') });
  dvOk(dir, ['repro']);
  const [id] = entryIds(dir);
  // The previous output is moved aside before the command runs: `>>` does not append to it (nor to the entry).
  dvOk(dir, ['repro', '--force']);
  assert.deepEqual(bytes(dir, 'data/out.bin'), input);
  assert.deepEqual(entryIds(dir), [id]);
  // An editor that writes a new file and renames it over the output leaves the entry as it was.
  fs.writeFileSync(path.join(dir, 'data/out.bin.new'), crypto.randomBytes(BIG));
  fs.renameSync(path.join(dir, 'data/out.bin.new'), path.join(dir, 'data/out.bin'));
  assert.deepEqual(dvJson(dir, ['repro']).stages[0].restore, { files: 1, fromOutputCache: 1 });
  assert.deepEqual(bytes(dir, 'data/out.bin'), input);
});

test('crash leftovers are never used: a half-written entry file and temporary files are ignored, then cleaned up', () => {
  const input = crypto.randomBytes(BIG);
  const dir = makeProject({ 'data/in.bin': input, 'dv.yaml': COPY_STAGE });
  dvOk(dir, ['repro']);
  const [id] = entryIds(dir);
  const entry = path.join(cacheDir(dir), id!);
  fs.rmSync(path.join(dir, 'data/out.bin'));
  // A copy cut short where the entry should be (another inode, fewer bytes), as a crash mid-copy could leave it.
  fs.writeFileSync(`${entry}.partial`, input.subarray(0, BIG / 2));
  fs.renameSync(`${entry}.partial`, entry);
  // Temporary files of a process that is gone.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  const leftover = path.join(cacheDir(dir), 'tmp', `${dead}-0123456789ab`);
  fs.writeFileSync(leftover, input);
  const r = dvJson(dir, ['repro']).stages[0];
  assert.deepEqual(r.restore, { files: 1, fromOutputCache: 0 });
  assert.deepEqual(bytes(dir, 'data/out.bin'), input);
  assert.ok(!fs.existsSync(leftover), 'the leftover temporary file is removed after the repro');
  assert.deepEqual(entryIds(dir), [], 'the entry that did not match its record is removed');

  // A whole copy of the right bytes but without a record (a crash before the record was written) is not used either.
  fs.writeFileSync(entry, input);
  fs.rmSync(path.join(dir, 'data/out.bin'));
  assert.deepEqual(dvJson(dir, ['repro']).stages[0].restore, { files: 1, fromOutputCache: 0 });
  // gc removes it: a file no record describes.
  const gc = dvJson(dir, ['gc']);
  assert.deepEqual(gc.outputCache, { removed: 1, bytes: BIG });
  assert.deepEqual(entryIds(dir), []);
});

test('an output cache that cannot be written fails nothing: the run stands, restores come from the store', () => {
  const input = crypto.randomBytes(BIG);
  const dir = makeProject({ 'data/in.bin': input, 'dv.yaml': COPY_STAGE });
  // A file where the cache directory should be: every write into it fails (ENOTDIR).
  writeFiles(dir, { '.dv/cache/outputs': 'in the way\n' });
  assert.equal(dvJson(dir, ['repro']).stages[0].status, 'ran');
  fs.rmSync(path.join(dir, 'data/out.bin'));
  assert.deepEqual(dvJson(dir, ['repro']).stages[0].restore, { files: 1, fromOutputCache: 0 });
  assert.deepEqual(bytes(dir, 'data/out.bin'), input);
  assert.deepEqual(dvJson(dir, ['gc']).outputCache, { removed: 0, bytes: 0 });
});

test('the size bound evicts the least recently used entries after each repro; 0 turns the output cache off', () => {
  const ins = ['a', 'b', 'c'].map(() => crypto.randomBytes(BIG));
  const stages = ['a', 'b', 'c'].map((s) => `  ${s}:\n    cmd: cp data/${s}.in data/${s}.out\n    deps: [data/${s}.in]\n    outs: [data/${s}.out]\n`).join('');
  const dir = makeProject({ 'data/a.in': ins[0]!, 'data/b.in': ins[1]!, 'data/c.in': ins[2]!, 'dv.yaml': `stages:\n${stages}` });
  // Room for two entries, not three.
  assert.deepEqual(dvJson(dir, ['config', 'pipeline.outputCacheBytes', '700K']).settings, [{ name: 'pipeline.outputCacheBytes', value: 700 * 1024, isDefault: false }]);
  const runs = dvJson(dir, ['repro']).stages;
  const ids = runs.map((s: any, i: number) => outputId(dir, s.run, `data/${'abc'[i]}.out`));
  // a ran first, so it was used least recently.
  assert.deepEqual(entryIds(dir), [ids[1], ids[2]].sort());
  for (const s of 'abc') fs.rmSync(path.join(dir, `data/${s}.out`));
  const restored = dvJson(dir, ['repro']).stages.map((s: any) => s.restore.fromOutputCache);
  assert.deepEqual(restored, [0, 1, 1]);
  for (const [i, s] of [...'abc'].entries()) assert.deepEqual(bytes(dir, `data/${s}.out`), ins[i]);

  // Off: the entries go at the next repro, and no new ones are made.
  dvOk(dir, ['config', 'pipeline.outputCacheBytes', '0']);
  dvOk(dir, ['repro']);
  assert.deepEqual(entryIds(dir), []);
  dvOk(dir, ['repro', '--force']);
  assert.deepEqual(entryIds(dir), []);
  fs.rmSync(path.join(dir, 'data/b.out'));
  assert.deepEqual(dvJson(dir, ['repro', 'b']).stages[0].restore, { files: 1, fromOutputCache: 0 });
  assert.deepEqual(bytes(dir, 'data/b.out'), ins[1]);

  // Back to the default.
  assert.match(dvOk(dir, ['config', '--unset', 'pipeline.outputCacheBytes']), /^pipeline\.outputCacheBytes = 2147483648 \(2\.0 GiB\) \(default\)$/m);
  dvOk(dir, ['repro', '--force']);
  assert.equal(entryIds(dir).length, 3);
});

test('dv config refuses unknown settings and bad values with one line, changing nothing', () => {
  const dir = makeProject({});
  const before = dvOk(dir, ['config', '--json']);
  let r = dv(dir, ['config', 'pipeline.nope', '1']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "dv: no setting named 'pipeline.nope'\nhint: settings: pipeline.outputCacheBytes\n");
  r = dv(dir, ['config', 'pipeline.outputCacheBytes', '2 KB']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^dv: not a valid value for pipeline\.outputCacheBytes: '2 KB'\nhint: give a size such as/);
  r = dv(dir, ['config', '--unset', 'pipeline.outputCacheBytes', '1G']);
  assert.equal(r.code, 2);
  assert.equal(dvOk(dir, ['config', '--json']), before);
  assert.match(dvOk(dir, ['config', 'pipeline.outputCacheBytes', '1.5G']), /^pipeline\.outputCacheBytes = 1610612736 \(1\.5 GiB\)$/m);
});

test('dv gc removes the entries no cached run can restore any more, and a dry run only counts them', () => {
  // Not deterministic: each run writes different bytes, so a forced run replaces the cached answer.
  const gen = "import fs from 'node:fs'; import crypto from 'node:crypto'; fs.writeFileSync('data/out.bin', crypto.randomBytes(307200));\n";
  const dir = makeProject({ 'scripts/gen.mjs': gen, 'dv.yaml': 'stages:\n  gen:\n    cmd: node scripts/gen.mjs\n    deps: [scripts/gen.mjs]\n    outs: [data/out.bin]\n' });
  const first = outputId(dir, dvJson(dir, ['repro']).stages[0].run, 'data/out.bin');
  const second = outputId(dir, dvJson(dir, ['repro', '--force']).stages[0].run, 'data/out.bin');
  assert.deepEqual(entryIds(dir), [first, second].sort());
  const dry = dvJson(dir, ['gc', '--dry-run']);
  assert.deepEqual(dry.outputCache, { removed: 1, bytes: BIG });
  assert.equal(entryIds(dir).length, 2);
  const r = dvJson(dir, ['gc']);
  assert.deepEqual(r.outputCache, { removed: 1, bytes: BIG });
  assert.deepEqual(entryIds(dir), [second]);
  assert.match(dvOk(dir, ['gc']), /^removed 0 unreachable objects/);
  assert.equal(dv(dir, ['fsck']).code, 0);
  // What is left still serves restores.
  fs.rmSync(path.join(dir, 'data/out.bin'));
  assert.deepEqual(dvJson(dir, ['repro']).stages[0].restore, { files: 1, fromOutputCache: 1 });
});

test('directory outputs are restored file by file: big files from the output cache, small ones from the store', () => {
  const big1 = crypto.randomBytes(BIG);
  const big2 = crypto.randomBytes(BIG + 1);
  const gen = "import fs from 'node:fs'; fs.mkdirSync('data/out/sub', { recursive: true }); fs.copyFileSync('data/b1', 'data/out/one.bin'); fs.copyFileSync('data/b2', 'data/out/sub/two.bin'); fs.writeFileSync('data/out/small.txt', 'small\\n');\n";
  const dir = makeProject({ 'scripts/gen.mjs': gen, 'data/b1': big1, 'data/b2': big2, 'dv.yaml': 'stages:\n  gen:\n    cmd: node scripts/gen.mjs\n    deps: [scripts/gen.mjs, data/b1, data/b2]\n    outs: [data/out]\n' });
  dvOk(dir, ['repro']);
  assert.equal(entryIds(dir).length, 2);
  fs.rmSync(path.join(dir, 'data/out'), { recursive: true });
  const r = dvJson(dir, ['repro']).stages[0];
  assert.deepEqual(r.restore, { files: 3, fromOutputCache: 2 });
  assert.deepEqual(bytes(dir, 'data/out/one.bin'), big1);
  assert.deepEqual(bytes(dir, 'data/out/sub/two.bin'), big2);
  assert.equal(read(dir, 'data/out/small.txt'), 'small\n');
  assert.deepEqual(dvJson(dir, ['status']).unstaged.modified, []);
});

test('a single-file output keeps its exec bit (and a symlink stays a symlink) when restored, from the store or the output cache', () => {
  const big = Buffer.concat([Buffer.from('#!/bin/sh\necho big\nexit 0\n'), Buffer.alloc(BIG, 0x23)]);
  const dir = makeProject({
    'data/tool.sh': '#!/bin/sh\necho small\n',
    'data/big.sh': big,
    'dv.yaml': 'stages:\n'
      + '  small:\n    cmd: cp data/tool.sh data/out.sh && chmod 755 data/out.sh\n    deps: [data/tool.sh]\n    outs: [data/out.sh]\n'
      + '  big:\n    cmd: cp data/big.sh data/bigout.sh && chmod 755 data/bigout.sh\n    deps: [data/big.sh]\n    outs: [data/bigout.sh]\n'
      + '  link:\n    cmd: ln -s tool.sh data/link.sh\n    deps: [data/tool.sh]\n    outs: [data/link.sh]\n',
  });
  const runs = dvJson(dir, ['repro']).stages;
  assert.deepEqual(dvJson(dir, ['show', runs[0].run]).record.kinds, { 'data/out.sh': 'exec' });
  assert.deepEqual(dvJson(dir, ['show', runs[2].run]).record.kinds, { 'data/link.sh': 'symlink' });
  for (const p of ['data/out.sh', 'data/bigout.sh', 'data/link.sh']) fs.rmSync(path.join(dir, p));
  const r = dvJson(dir, ['repro']).stages;
  assert.deepEqual(r.map((s: any) => s.restore), [{ files: 1, fromOutputCache: 0 }, { files: 1, fromOutputCache: 1 }, { files: 1, fromOutputCache: 0 }]);
  for (const p of ['data/out.sh', 'data/bigout.sh']) {
    assert.equal(fs.statSync(path.join(dir, p)).mode & 0o111, 0o111, `${p} is executable`);
  }
  assert.equal(spawnSync(path.join(dir, 'data/out.sh'), { encoding: 'utf8' }).stdout, 'small\n');
  assert.equal(fs.readlinkSync(path.join(dir, 'data/link.sh')), 'tool.sh');
  assert.deepEqual(dvJson(dir, ['status']).unstaged.modified, []);
  assert.match(dvOk(dir, ['repro']), /small: up to date .*\nbig: up to date .*\nlink: up to date /);
});

test('a second repro or run while one is running is refused with the holder named, changing nothing; a lock left by a killed dv is taken over', async () => {
  const wait = "import fs from 'node:fs'; console.error('started'); const go = process.argv[2]; while (!fs.existsSync(go)) await new Promise((r) => setTimeout(r, 20)); fs.writeFileSync('data/out.txt', go + '\\n');\n";
  const dir = makeProject({ 'scripts/wait.mjs': wait, 'dv.yaml': 'stages:\n  slow:\n    cmd: node scripts/wait.mjs go1\n    deps: [scripts/wait.mjs]\n    outs: [data/out.txt]\n' });
  const startRepro = (args: string[]) => {
    const child = spawn(process.execPath, [DV, ...args], { cwd: dir, env: { ...process.env, ...TEST_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const started = new Promise<void>((resolve) => child.stderr.on('data', (c) => { stderr += c; if (stderr.includes('started')) resolve(); }));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return { child, started, closed };
  };
  const first = startRepro(['repro']);
  await first.started;
  const yaml = read(dir, 'dv.yaml');
  let r = dv(dir, ['repro']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^dv: another dv repro or run is running in this repository \\(pid ${first.child.pid}, since [^)]+\\)\\nhint: wait for it to finish, then run this again\\n$`));
  r = dv(dir, ['run', '-n', 'other', '-o', 'data/other.txt', '--', 'echo hi > data/other.txt']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /another dv repro or run is running/);
  assert.equal(read(dir, 'dv.yaml'), yaml, 'the refused run did not declare its stage');
  assert.ok(!fs.existsSync(path.join(dir, 'data/other.txt')));
  fs.writeFileSync(path.join(dir, 'go1'), '');
  assert.equal(await first.closed, 0);
  assert.equal(read(dir, 'data/out.txt'), 'go1\n');

  // dv killed while holding the lock: the next repro takes it over.
  writeFiles(dir, { 'dv.yaml': yaml.replace('go1', 'go2') });
  const second = startRepro(['repro']);
  await second.started;
  second.child.kill('SIGKILL');
  await second.closed;
  fs.writeFileSync(path.join(dir, 'go2'), ''); // the orphaned command finishes on its own
  for (let i = 0; i < 250 && !(fs.existsSync(path.join(dir, 'data/out.txt')) && read(dir, 'data/out.txt') === 'go2\n'); i++) await new Promise((res) => setTimeout(res, 20));
  assert.match(dvOk(dir, ['repro']), /slow: ran/);
  assert.equal(read(dir, 'data/out.txt'), 'go2\n');
});

test('linkOrCopyFile copies where a hard link cannot be made (another file system)', () => {
  const shm = '/dev/shm';
  const dir = tmpDir('dv-link-');
  if (!fs.existsSync(shm) || fs.statSync(shm).dev === fs.statSync(dir).dev) return; // no second file system here
  const src = fs.mkdtempSync(path.join(shm, 'dv-link-'));
  try {
    const data = crypto.randomBytes(1000);
    fs.writeFileSync(path.join(src, 'a'), data);
    assert.equal(linkOrCopyFile(path.join(src, 'a'), path.join(dir, 'a'), { link: true }), 'copy');
    assert.deepEqual(fs.readFileSync(path.join(dir, 'a')), data);
    assert.equal(linkOrCopyFile(path.join(dir, 'a'), path.join(dir, 'b'), { link: true }), 'link');
    assert.equal(fs.statSync(path.join(dir, 'b')).nlink, 2);
    assert.equal(linkOrCopyFile(path.join(dir, 'a'), path.join(dir, 'c'), { link: false }), 'copy');
    assert.throws(() => linkOrCopyFile(path.join(dir, 'a'), path.join(dir, 'c'), { link: false }), /EEXIST/);
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
});
