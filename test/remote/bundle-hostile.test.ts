import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tar from 'tar-stream';
import { openRepositoryPath } from '../../src/remote/index.js';
import { ENCODING_DELTA } from '../../src/store/index.js';
import { dv, dvOk, makeRepo, tmpDir } from '../helpers.js';
import { makeSourceRepo } from './fixtures.js';

interface Entry { name: string; data?: Buffer; type?: 'file' | 'symlink' | 'link' | 'directory'; linkname?: string }

/** The entries of a tar file, in order. */
async function readTar(file: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const extract = tar.extract();
  fs.createReadStream(file).pipe(extract as unknown as NodeJS.WritableStream);
  for await (const e of extract) {
    const parts: Buffer[] = [];
    for await (const c of e) parts.push(c as Buffer);
    out.push({ name: e.header.name, data: Buffer.concat(parts) });
  }
  return out;
}

/** Writes entries as a tar file, exactly as given (hostile names and types included). */
async function writeTar(file: string, entries: Entry[]): Promise<string> {
  const pack = tar.pack();
  const done = new Promise<void>((resolve, reject) => {
    const ws = fs.createWriteStream(file);
    ws.on('finish', resolve);
    ws.on('error', reject);
    pack.pipe(ws);
  });
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const type = e.type ?? 'file';
      const header = { name: e.name, type, linkname: e.linkname, size: type === 'file' ? e.data!.length : 0 };
      const settled = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, e.data!, settled);
      else pack.entry(header, settled);
    });
  }
  pack.finalize();
  await done;
  return file;
}

/** How many objects a repository stores, and its refs: to show a refusal imported nothing. */
async function repoState(dir: string): Promise<string> {
  const repo = openRepositoryPath(dir);
  try {
    let n = 0;
    for (const _ of repo.objects.allIds()) n++;
    return JSON.stringify({ objects: n, refs: repo.refs.list('refs/') });
  } finally { await repo.close(); }
}

describe('hostile bundles are refused with one line, and nothing is imported', () => {
  let src: string;
  let good: Entry[];
  let incremental: Entry[];
  const out = tmpDir();

  before(async () => {
    src = makeSourceRepo().dir;
    dvOk(src, ['bundle', 'create', path.join(out, 'good.dvb'), 'main']);
    dvOk(src, ['bundle', 'create', path.join(out, 'inc.dvb'), 'v1..main']);
    good = await readTar(path.join(out, 'good.dvb'));
    incremental = await readTar(path.join(out, 'inc.dvb'));
  });

  /** Fetches a bundle into a fresh repository and checks it was refused without a trace. */
  async function refused(file: string, message: RegExp, into = makeRepo()): Promise<void> {
    const beforeState = await repoState(into);
    const r = dv(into, ['fetch', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /^dv: [^\n]+\n(hint: [^\n]+\n)?$/, 'one line (and perhaps a hint)');
    assert.equal(await repoState(into), beforeState, 'nothing was imported and no ref moved');
    const v = dv(into, ['bundle', 'verify', file]);
    assert.equal(v.code, 1);
    const u = dv(into, ['bundle', 'unbundle', file]);
    assert.equal(u.code, 1);
    assert.equal(await repoState(into), beforeState);
  }

  const objectIndex = (entries: Entry[], pred: (rec: Buffer) => boolean): number => entries.findIndex((e) => e.name.startsWith('objects/') && pred(e.data!));

  test('the unmodified bundle is accepted (the tests below change one thing each)', async () => {
    const file = await writeTar(path.join(out, 'copy.dvb'), good);
    const dest = makeRepo();
    dvOk(dest, ['fetch', file]);
  });

  test('an entry with ".." in its path', async () => {
    const file = await writeTar(path.join(out, 'dotdot.dvb'), [...good.slice(0, 2), { name: '../../etc/cron.d/evil', data: Buffer.from('x') }, ...good.slice(2)]);
    await refused(file, /^dv: bundle .* is refused: entry '\.\.\/\.\.\/etc\/cron\.d\/evil' has an unsafe path/);
  });

  test('an absolute path', async () => {
    const file = await writeTar(path.join(out, 'abs.dvb'), [good[0]!, { name: '/etc/passwd', data: Buffer.from('root') }, ...good.slice(1)]);
    await refused(file, /entry '\/etc\/passwd' has an unsafe path/);
  });

  test('a symbolic link and a hard link in place of objects', async () => {
    const sym = await writeTar(path.join(out, 'sym.dvb'), [good[0]!, { name: good[1]!.name, type: 'symlink', linkname: '/etc/passwd' }, ...good.slice(2)]);
    await refused(sym, /is a symbolic link, not a regular file/);
    const hard = await writeTar(path.join(out, 'hard.dvb'), [...good.slice(0, 2), { name: good[2]!.name, type: 'link', linkname: good[1]!.name }, ...good.slice(3)]);
    await refused(hard, /is a hard link, not a regular file/);
  });

  test('an object whose bytes do not match its id, near the end (earlier good objects are not imported either)', async () => {
    const i = good.length - 2;
    const bad = good.map((e, j) => {
      if (j !== i) return e;
      const d = Buffer.from(e.data!);
      d[d.length - 1]! ^= 0x01;
      return { ...e, data: d };
    });
    await refused(await writeTar(path.join(out, 'flip.dvb'), bad), /corrupt|does not decode|does not decompress|hash/);
  });

  test('a truncated archive: cut in the middle of an object, and cut between entries', async () => {
    const whole = fs.readFileSync(path.join(out, 'good.dvb'));
    const cut = path.join(out, 'cut.dvb');
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6) + 100));
    await refused(cut, /truncated/);
    const fewer = await writeTar(path.join(out, 'fewer.dvb'), good.slice(0, good.length - 1));
    await refused(fewer, /truncated: its header promises \d+ objects, it holds \d+|neither earlier in the bundle/);
  });

  test('a delta whose base is neither in the bundle nor in the repository', async () => {
    // The incremental bundle's deltas name chunks of v1. Forge a header without the
    // prerequisite, so only the missing base gives it away.
    const header = JSON.parse(incremental[0]!.data!.toString());
    header.prerequisites = [];
    const i = objectIndex(incremental, (rec) => rec[1] === ENCODING_DELTA);
    assert.ok(i > 0, 'the incremental bundle holds a delta');
    const file = await writeTar(path.join(out, 'nobase.dvb'), [{ name: 'dv-bundle.json', data: Buffer.from(JSON.stringify(header)) }, ...incremental.slice(1)]);
    await refused(file, /needs its delta base [0-9a-f]{64}, which is neither in the bundle nor in this repository/);
    // With its prerequisite named, it is refused up front in a repository that lacks it.
    await refused(path.join(out, 'inc.dvb'), /needs commit [0-9a-f]{12}, which this repository does not have/);
  });

  test('not a bundle: no header first, a duplicate object, an unexpected name, garbage', async () => {
    await refused(await writeTar(path.join(out, 'nohdr.dvb'), good.slice(1)), /does not start with its header/);
    await refused(await writeTar(path.join(out, 'dup.dvb'), [...good.slice(0, 3), good[2]!, ...good.slice(3)]), /appears twice/);
    await refused(await writeTar(path.join(out, 'extra.dvb'), [...good, { name: 'objects/readme.txt', data: Buffer.from('hi') }]), /unexpected entry 'objects\/readme\.txt'/);
    const junk = path.join(out, 'junk.dvb');
    fs.writeFileSync(junk, Buffer.alloc(5000, 7));
    await refused(junk, /not a tar archive|not a dv bundle/);
  });

  test('a ref that points at an object the bundle lacks, and a ref name that is not a branch or tag', async () => {
    const header = JSON.parse(good[0]!.data!.toString());
    header.refs['refs/heads/ghost'] = 'ab'.repeat(32);
    await refused(await writeTar(path.join(out, 'ghost.dvb'), [{ name: 'dv-bundle.json', data: Buffer.from(JSON.stringify(header)) }, ...good.slice(1)]), /refs\/heads\/ghost points at/);
    const h2 = JSON.parse(good[0]!.data!.toString());
    h2.refs['refs/remotes/x/../../HEAD'] = h2.refs['refs/heads/main'];
    await refused(await writeTar(path.join(out, 'badref.dvb'), [{ name: 'dv-bundle.json', data: Buffer.from(JSON.stringify(h2)) }, ...good.slice(1)]), /neither a branch nor a tag/);
  });
});
