import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { hashBytes, oidToBytes, type Oid } from '../../src/hash/index.js';
import type { FileObject } from '../../src/objects/index.js';
import { openRepository, type Repository } from '../../src/repo/index.js';
import { decodeFileOnThreads, NativeVerifier } from '../../src/store/index.js';
import { bigCsv, corruptPacks, dv, dvOk, repoWithVersions, tmpDir } from '../helpers.js';

/** The content with one digit changed every `step` bytes: each touched chunk is stored as a tiny delta. */
function corrected(content: Buffer, step: number): Buffer {
  const out = Buffer.from(content);
  for (let at = step; at < out.length; at += step) {
    let i = at;
    while (out[i]! < 0x30 || out[i]! > 0x39) i++;
    out[i] = out[i] === 0x39 ? 0x30 : out[i]! + 1;
  }
  return out;
}

function fileOf(repo: Repository, id: Oid): FileObject {
  const obj = repo.objects.read(id);
  assert.equal(obj.kind, 'file');
  return (obj as { file: FileObject }).file;
}

const verifier = NativeVerifier.create();

test('a large file and its correction decode on the native threads, chunks packed and tiny deltas stored inline alike', { skip: !verifier && 'no native threads' }, async () => {
  const v1 = bigCsv(21);
  const v2 = corrected(v1, 1_000_000);
  const dir = repoWithVersions('data.csv', [v1, v2]);
  const repo = openRepository(dir);
  try {
    const id = hashBytes(v2);
    const file = fileOf(repo, id);
    const sources = file.chunks.map((c) => repo.objects.threadSource(c.id)!);
    assert.ok(sources.every((s) => s), 'every chunk can be decoded on the threads');
    assert.ok(sources.some((s) => s.inline && s.chain), 'some chunk is a delta stored inline, its base in a pack');
    assert.ok(sources.some((s) => !s.inline), 'some chunk is packed');
    const out = path.join(tmpDir(), 'out.csv');
    fs.writeFileSync(out, '');
    let bytes = 0;
    const queued = decodeFileOnThreads(repo.objects, verifier!, id, file, { path: out, onBytes: (n) => { bytes += n; } });
    assert.equal(await queued.done, true);
    assert.equal(bytes, v2.length);
    assert.ok(fs.readFileSync(out).equals(v2));
    // Without a path nothing is written, and the content is still checked.
    assert.equal(await decodeFileOnThreads(repo.objects, verifier!, id, file).done, true);
    // The content hash joined from the pieces must match: the same chunks checked as another file's content fail.
    assert.equal(await decodeFileOnThreads(repo.objects, verifier!, hashBytes(v1), file).done, false);
  } finally {
    await repo.close();
  }
  // Through the CLI, back and forth: exact bytes, and nothing left under temporary names.
  const [first, second] = [dvOk(dir, ['rev-parse', 'HEAD~1']).trim(), dvOk(dir, ['rev-parse', 'HEAD']).trim()];
  for (const [rev, want] of [[first, v1], [second, v2]] as const) {
    dvOk(dir, ['checkout', rev]);
    assert.ok(fs.readFileSync(path.join(dir, 'data.csv')).equals(want), rev);
  }
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('dv-tmp')), []);
  assert.match(dvOk(dir, ['status']), /nothing to commit/);
  const exported = path.join(tmpDir(), 'export');
  dvOk(dir, ['export', first, exported]);
  assert.ok(fs.readFileSync(path.join(exported, 'data.csv')).equals(v1));
});

test('a chunk whose chain of deltas runs through one stored inline is read here, and the rest of the file still decodes on the threads', { skip: !verifier && 'no native threads' }, async () => {
  const v1 = bigCsv(22);
  const v2 = corrected(v1, 1_000_000);
  // The same digits again: tiny deltas (stored inline) against tiny deltas stored inline.
  const v3 = corrected(v2, 1_000_000);
  const dir = repoWithVersions('data.csv', [v1, v2, v3]);
  const repo = openRepository(dir);
  try {
    const id = hashBytes(v3);
    const file = fileOf(repo, id);
    const readHere = file.chunks.filter((c) => !repo.objects.threadSource(c.id)).map((c) => c.id);
    assert.ok(readHere.length > 0, 'some chunk cannot be decoded on the threads alone');
    const out = path.join(tmpDir(), 'out.csv');
    fs.writeFileSync(out, '');
    const verified = new Set<Oid>();
    const queued = decodeFileOnThreads(repo.objects, verifier!, id, file, { path: out, onVerified: (ids) => ids.forEach((v) => verified.add(v)) });
    assert.equal(await queued.done, true, 'the threads vouch for the whole file');
    assert.ok(fs.readFileSync(out).equals(v3));
    assert.ok(readHere.every((c) => verified.has(c)), 'the chunks read here count as checked');
  } finally {
    await repo.close();
  }
  assert.equal(dv(dir, ['fsck']).code, 0);
});

test('damaged or missing chunks: the threads do not vouch for the file, and checkout names the object and keeps the good file', { skip: !verifier && 'no native threads' }, async () => {
  const content = bigCsv(22);
  const id = hashBytes(content);
  const damaged = repoWithVersions('data.csv', [content]);
  const missing = fs.mkdtempSync(path.join(tmpDir(), 'copy-'));
  fs.cpSync(damaged, missing, { recursive: true });
  corruptPacks(damaged);
  let victim: Oid;
  const repo = openRepository(missing);
  try {
    const file = fileOf(repo, id);
    victim = file.chunks[3]!.id;
    repo.objects.env.root.transactionSync(() => repo.objects.env.objects.removeSync(oidToBytes(victim)));
    assert.equal(await decodeFileOnThreads(repo.objects, verifier!, id, file).done, false);
  } finally {
    await repo.close();
  }
  const repo2 = openRepository(damaged);
  try {
    assert.equal(await decodeFileOnThreads(repo2.objects, verifier!, id, fileOf(repo2, id)).done, false);
  } finally {
    await repo2.close();
  }
  for (const [dir, message] of [[damaged, /^dv: object [0-9a-f]{64} (is corrupt|does not decompress|has the wrong size)/m], [missing, new RegExp(`^dv: object ${id} lists chunk ${victim!}, which is missing$`, "m")]] as const) {
    fs.writeFileSync(path.join(dir, 'data.csv'), 'id\n1\n');
    const r = dv(dir, ['checkout', '--force', 'HEAD', '--', 'data.csv']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(fs.readFileSync(path.join(dir, 'data.csv'), 'utf8'), 'id\n1\n');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('dv-tmp')), []);
    const out = path.join(tmpDir(), 'export');
    assert.equal(dv(dir, ['export', 'HEAD', out]).code, 1);
    assert.deepEqual(fs.readdirSync(out), [], 'a failed export leaves no partial file');
  }
});

test('many files of a few chunks check out several at a time on the threads: exact bytes both ways; a damaged store fails with one line and leaves no temporary file', { skip: !verifier && 'no native threads' }, () => {
  // 20 files of 400 KB (more than are written at once), each a few chunks; v2 corrects some of them.
  const csv = bigCsv(100);
  const versions = [0, 50_000].map((step) => new Map(Array.from({ length: 20 }, (_, i) => {
    const part = csv.subarray(i * 400_000, (i + 1) * 400_000);
    return [`data/p${i}.csv`, step > 0 && i % 3 === 0 ? corrected(part, step) : part] as const;
  })));
  const files = (step: number) => versions[step > 0 ? 1 : 0]!;
  const part = (i: number, step: number) => files(step).get(`data/p${i}.csv`)!;
  const dir = repoWithVersions('data/p0.csv', [part(0, 0)]);
  for (const [step, message] of [[0, 'v1'], [50_000, 'v2']] as const) {
    for (const [f, content] of files(step)) fs.writeFileSync(path.join(dir, f), content);
    dvOk(dir, ['add', '.']);
    dvOk(dir, ['commit', '-m', message]);
  }
  const [first, second] = [dvOk(dir, ['rev-parse', 'HEAD~1']).trim(), dvOk(dir, ['rev-parse', 'HEAD']).trim()];
  for (const [rev, step] of [[first, 0], [second, 50_000], [first, 0]] as const) {
    dvOk(dir, ['checkout', rev]);
    for (const [f, content] of files(step)) assert.ok(fs.readFileSync(path.join(dir, f)).equals(content), `${rev} ${f}`);
    assert.match(dvOk(dir, ['status']), /nothing to commit/);
  }
  corruptPacks(dir);
  const r = dv(dir, ['checkout', second]);
  assert.equal(r.code, 1, r.stderr);
  // Files are written several at a time, so which damaged object is met first varies: a
  // chunk, or a chunk list in a pack whose flipped byte names a chunk that does not exist.
  assert.match(r.stderr, /^dv: object [0-9a-f]{64} (is corrupt|does not decompress|has the wrong size|lists chunk [0-9a-f]{64}, which is missing)/m);
  assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('dv:')).length, 1, r.stderr);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'data')).filter((f) => f.includes('dv-tmp')), []);
});
