import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Oid } from '../../src/hash/index.js';
import { initRepository, type Repository } from '../../src/repo/index.js';
import { commitOn } from '../history/fixtures.js';
import { dv, dvOk, tmpDir } from '../helpers.js';
import { commitHistory, decodeHistory, encodeHistoryRequest } from '../../src/remote/index.js';
import { dvAsync, lyingRemote, startServe, type ServeProcess } from './serve-helpers.js';

const COMMITS = 40;
let root: string;
let srcDir: string;
let src: Repository;
/** A commit on the branch `side`, which no tip of main reaches. */
let side: Oid;
const servers: ServeProcess[] = [];

before(() => {
  root = tmpDir();
  srcDir = path.join(root, 'src');
  src = initRepository(srcDir);
  for (let i = 1; i <= COMMITS; i++) {
    commitOn(src, { 'data/log.csv': Array.from({ length: i }, (_, j) => `${j},${j * i}`).join('\n') + '\n', 'params.yaml': `round: ${i}\n` }, `round ${i}`);
  }
  side = commitOn(src, { 'data/side.csv': 'id,v\n1,1\n' }, 'side work', 'side');
});
after(async () => {
  for (const s of servers) await s.stop();
  await src.close();
});

/** The requests `dv serve` logged since `from` lines. */
function requestLines(s: ServeProcess, from = 0): string[] {
  return s.stderr().trim().split('\n').filter(Boolean).slice(from);
}

/** How many commits main of the source holds now. */
function mainCommits(): number {
  return commitHistory(src.objects, [src.refs.resolve('refs/heads/main')!], []).size;
}

function assertComplete(dir: string, commits = mainCommits()): void {
  const fsck = dv(dir, ['fsck']);
  assert.equal(fsck.code, 0, fsck.stderr + fsck.stdout);
  assert.equal(dvOk(dir, ['log', '--oneline', 'main']).trim().split('\n').length, commits);
}

test(`a clone and a push of a ${COMMITS}-commit history over dv serve take a few requests, not one per commit`, async () => {
  const hub = path.join(root, 'hub');
  dvOk(root, ['init', '--bare', hub]);
  const s = await startServe(['--port', '0', srcDir, hub], root);
  servers.push(s);

  const r = await dvAsync(root, ['clone', `${s.url}/src`, 'c']);
  assert.equal(r.code, 0, r.stderr);
  const cloneRequests = requestLines(s);
  assert.ok(cloneRequests.some((l) => / POST \/src\/history 200 /.test(l)), cloneRequests.join('\n'));
  assert.ok(cloneRequests.length < 12, `the clone took ${cloneRequests.length} requests:\n${cloneRequests.join('\n')}`);
  const clone = path.join(root, 'c');
  assertComplete(clone);

  dvOk(clone, ['remote', 'add', 'hub', `${s.url}/hub`]);
  const before = requestLines(s).length;
  const p = await dvAsync(clone, ['push', 'hub', 'main']);
  assert.equal(p.code, 0, p.stderr);
  const pushRequests = requestLines(s, before);
  assert.ok(pushRequests.length < 12, `the push took ${pushRequests.length} requests:\n${pushRequests.join('\n')}`);
  assertComplete(hub);

  // A later fetch asks only about what is new: the history answer stops at what the clone holds.
  commitOn(src, { 'data/log.csv': 'id,v\n', 'params.yaml': 'round: last\n' }, 'one more');
  const mark = requestLines(s).length;
  const f = await dvAsync(clone, ['pull']);
  assert.equal(f.code, 0, f.stderr);
  assert.ok(requestLines(s, mark).length < 10, requestLines(s, mark).join('\n'));
  assertComplete(clone);
});

test('a path clone of a long history is complete', () => {
  dvOk(root, ['clone', srcDir, 'pc']);
  assertComplete(path.join(root, 'pc'));
});

test('a remote whose history answer names a commit its tips do not reach: the clone is complete and that commit is not stored', async () => {
  const l = await lyingRemote(src, 'extra-history', side);
  try {
    const r = await dvAsync(root, ['clone', l.url, 'lied']);
    assert.equal(r.code, 0, r.stderr);
    const clone = path.join(root, 'lied');
    assertComplete(clone);
    assert.notEqual(dv(clone, ['show', side]).code, 0, 'the side commit was not stored');
  } finally { await l.close(); }
});

test('a server without the history endpoint (an older dv serve) still gives the whole history, one generation at a time', async () => {
  const l = await lyingRemote(src, 'none');
  try {
    const r = await dvAsync(root, ['clone', l.url, 'old']);
    assert.equal(r.code, 0, r.stderr);
    assertComplete(path.join(root, 'old'));
    assert.ok(l.requests() > COMMITS, `walked generation by generation: ${l.requests()} requests`);
  } finally { await l.close(); }
});

test('the history endpoint: a read permission, a well-formed question, and the answer stops at the ids given', async () => {
  const tokens = path.join(root, 'tokens.json');
  const reader = dvOk(root, ['token', 'create', 'reader', '--tokens', tokens, '--read', 'src:main']).trim();
  const s = await startServe(['--port', '0', '--tokens', tokens, srcDir], root);
  servers.push(s);
  const main = src.refs.resolve('refs/heads/main')!;
  const parent = src.objects.readCommit(main).parents[0]!;
  const ask = (body: Buffer, token?: string) => fetch(`${s.url}/src/history`, {
    method: 'POST', body: new Uint8Array(body), headers: token ? { authorization: `Bearer ${token}` } : {},
  });

  const anon = await ask(encodeHistoryRequest([main], []));
  assert.equal(anon.status, 401);
  const bad = await ask(Buffer.from([0, 0]), reader);
  assert.equal(bad.status, 400, await bad.text());
  const overclaiming = await ask(Buffer.concat([Buffer.from([0, 0, 0, 2]), Buffer.alloc(32)]), reader);
  assert.equal(overclaiming.status, 400);

  const res = await ask(encodeHistoryRequest([main], [parent]), reader);
  assert.equal(res.status, 200);
  assert.deepEqual([...decodeHistory(Buffer.from(await res.arrayBuffer()))], [[main, [parent]]]);
});
