import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ConflictError } from '../../src/errors/index.js';
import type { Oid } from '../../src/hash/index.js';
import { collectObjects, commitHistory, fetchObjects, openRepositoryPath, readWireObjects, storeSource } from '../../src/remote/index.js';
import { S3Transport, decodePackIndex, encodePackIndex, parseS3Url, type PackEntry } from '../../src/remote/s3/index.js';
import { commitOn, newRepo } from '../history/fixtures.js';
import { dv, dvOk, tmpDir, writeFiles } from '../helpers.js';
import { makeSourceRepo } from './fixtures.js';
import { dvAsync, startS3Server } from './s3-server.js';
import { transportSuite } from './transport-suite.js';

const server = await startS3Server();
after(() => server.stop());
// The SDK's default credential chain reads these, as it would in a user's shell.
Object.assign(process.env, server.env);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const admin = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true });
after(() => admin.destroy());
async function makeBucket(name: string): Promise<string> {
  await admin.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}
const suiteBucket = await makeBucket('dv-suite');
let fresh = 0;

transportSuite('s3', async () => {
  const transport = S3Transport.open(`s3://${suiteBucket}/remote-${fresh++}`);
  return { transport, close: () => transport.close() };
});

describe('s3 remote', () => {
  test('URLs: bucket, prefix, endpoint and region from the URL or the AWS environment', () => {
    assert.deepEqual(parseS3Url('s3://my-bucket/team/data', {}), { bucket: 'my-bucket', prefix: 'team/data', region: 'us-east-1', pathStyle: false });
    assert.deepEqual(parseS3Url('s3://my-bucket', { AWS_ENDPOINT_URL: 'http://127.0.0.1:9000', AWS_REGION: 'eu-west-1' }),
      { bucket: 'my-bucket', prefix: '', region: 'eu-west-1', pathStyle: true, endpoint: 'http://127.0.0.1:9000' });
    assert.deepEqual(parseS3Url('s3://b-1/p?endpoint=http://h:1&path-style=false&region=x', { AWS_ENDPOINT_URL_S3: 'http://other:2' }),
      { bucket: 'b-1', prefix: 'p', region: 'x', pathStyle: false, endpoint: 'http://h:1' });
    assert.throws(() => parseS3Url('s3://B/x', {}), /bucket name/);
    assert.throws(() => parseS3Url('s3://bucket/a/../b', {}), /prefix/);
    assert.throws(() => parseS3Url('s3://bucket/x?color=red', {}), /unknown option/);
  });

  test('ten pushers racing from one old state: exactly one ref update wins', async () => {
    const bucket = await makeBucket('dv-race');
    const { dir } = makeSourceRepo();
    const src = openRepositoryPath(dir);
    try {
      const main = src.refs.resolve('refs/heads/main')!;
      const v1 = src.refs.resolve('refs/tags/v1')!;
      const setup = S3Transport.open(`s3://${bucket}/race`);
      const all = await collectObjects({ source: storeSource(src.objects), has: (ids) => setup.hasObjects(ids), tips: [main] });
      await setup.putObjects(readWireObjects(src, all.ids));
      await setup.updateRefs([{ name: 'refs/heads/main', old: null, new: v1 }]);
      await setup.close();
      // Each racer has its own client, as separate processes would; half move main, half create a tag as well.
      const racers = Array.from({ length: 10 }, () => S3Transport.open(`s3://${bucket}/race`));
      const results = await Promise.allSettled(racers.map((t, i) => t.updateRefs([
        { name: 'refs/heads/main', old: v1, new: main },
        ...(i % 2 ? [{ name: `refs/tags/t${i}`, old: null, new: v1 }] : []),
      ])));
      await Promise.all(racers.map((t) => t.close()));
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1, 'exactly one racer wins');
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof ConflictError, String(r.reason));
      const check = S3Transport.open(`s3://${bucket}/race`);
      const { refs } = await check.listRefs();
      await check.close();
      assert.equal(refs.get('refs/heads/main'), main);
      assert.ok([...refs.keys()].filter((r) => r.startsWith('refs/tags/')).length <= 1, 'the losers\' tags were not created either');
    } finally { await src.close(); }
  });

  test('dv push, clone and fetch over s3://, and two clients pushing one branch at once: one wins, the other is told to pull', async () => {
    const bucket = await makeBucket('dv-cli');
    const url = `s3://${bucket}/team/weather`;
    const env = server.env;
    const { dir } = makeSourceRepo();
    dvOk(dir, ['remote', 'add', 'origin', url], { env });
    const pushed = JSON.parse(dvOk(dir, ['push', '--json', 'origin', 'main'], { env }));
    assert.equal(pushed.refs[0].status, 'created');

    const base = tmpDir();
    const a = path.join(base, 'a');
    const b = path.join(base, 'b');
    dvOk(base, ['clone', url, a], { env });
    dvOk(base, ['clone', url, b], { env });
    assert.ok(fs.readFileSync(path.join(a, 'data/weather.csv')).equals(fs.readFileSync(path.join(dir, 'data/weather.csv'))));
    for (const [d, text] of [[a, 'from a\n'], [b, 'from b\n']] as const) {
      writeFiles(d, { 'notes.txt': text });
      dvOk(d, ['add', 'notes.txt']);
      dvOk(d, ['commit', '-m', `commit in ${path.basename(d)}`]);
    }
    const [ra, rb] = await Promise.all([dvAsync(a, ['push'], env), dvAsync(b, ['push'], env)]);
    assert.deepEqual([ra.code, rb.code].sort(), [0, 1], `a: ${ra.code} ${ra.stderr} b: ${rb.code} ${rb.stderr}`);
    const [winner, loser] = ra.code === 0 ? [a, rb] : [b, ra];
    assert.match(loser.stderr, /^dv: push rejected: .*not a fast-forward/m);
    assert.match(loser.stderr, /hint: .*dv pull/);

    // Nothing was lost: the remote has the winner's commit, and a fresh clone is complete and checks out.
    const winnerHead = dvOk(winner, ['rev-parse', 'HEAD']).trim();
    const c = path.join(base, 'c');
    dvOk(base, ['clone', url, c], { env });
    assert.equal(dvOk(c, ['rev-parse', 'HEAD']).trim(), winnerHead);
    dvOk(c, ['fsck']);
    // The loser fetches the winner's commit.
    const loserDir = winner === a ? b : a;
    const fetched = JSON.parse(dvOk(loserDir, ['fetch', '--json'], { env }));
    assert.equal(fetched.updated[0].new, winnerHead);
  });

  test('a push in many small packs (uploads overlapping, deltas and trees naming objects still uploading) clones back whole', async () => {
    const bucket = await makeBucket('dv-packs');
    const url = `s3://${bucket}/p`;
    const env = { ...server.env, DV_S3_PACK_SIZE: '16K' };
    const { dir } = makeSourceRepo();
    dvOk(dir, ['remote', 'add', 'origin', url], { env });
    dvOk(dir, ['push', 'origin', 'main', '--tags'], { env });
    const listed = await admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'p/packs/' }));
    const indexes = (listed.Contents ?? []).filter((o) => o.Key?.endsWith('.idx')).length;
    assert.ok(indexes >= 8, `the push made many packs (${indexes})`);
    const c = path.join(tmpDir(), 'c');
    dvOk(path.dirname(c), ['clone', url, c], { env: server.env });
    assert.ok(fs.readFileSync(path.join(c, 'data/weather.csv')).equals(fs.readFileSync(path.join(dir, 'data/weather.csv'))));
    dvOk(c, ['checkout', 'v1', '--', 'data/weather.csv']);
    dvOk(c, ['fsck']);
    const bad = dv(dir, ['push', 'origin', 'main'], { env: { ...server.env, DV_S3_PACK_SIZE: 'lots' } });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^dv: DV_S3_PACK_SIZE needs a size of at least 4K \(e\.g\. 16M\), got "lots"\n/);
  });

  test('a missing bucket and wrong credentials are one-line errors, and the local repository is untouched', () => {
    const { dir } = makeSourceRepo();
    const head = dvOk(dir, ['rev-parse', 'HEAD']);
    dvOk(dir, ['remote', 'add', 'nob', 's3://no-such-bucket/x'], { env: server.env });
    const r2 = dv(dir, ['push', 'nob', 'main'], { env: server.env });
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /^dv: S3 bucket 'no-such-bucket' does not exist\nhint: /);
    dvOk(dir, ['remote', 'add', 'wrong', 's3://dv-suite/x'], { env: server.env });
    const r3 = dv(dir, ['push', 'wrong', 'main'], { env: { ...server.env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' } });
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /^dv: S3 refused to .* s3:\/\/dv-suite\/x\/.*\nhint: check AWS_ACCESS_KEY_ID/);
    assert.equal(dvOk(dir, ['rev-parse', 'HEAD']), head);
    assert.equal(dv(dir, ['rev-parse', 'refs/remotes/wrong/main']).code, 1, 'no remote-tracking ref was written');
  });
});

describe('s3 history', () => {
  test('a fresh client learns a long history from the pack indexes: a fetch of 40 commits takes a few requests', async () => {
    const bucket = await makeBucket('dv-history');
    const src = newRepo();
    try {
      for (let i = 1; i <= 40; i++) commitOn(src, { 'log.csv': `round,${i}\n`.repeat(i) }, `round ${i}`);
      const main = src.refs.resolve('refs/heads/main')!;
      const writer = S3Transport.open(`s3://${bucket}/h`);
      const all = await collectObjects({ source: storeSource(src.objects), has: (ids) => writer.hasObjects(ids), tips: [main] });
      await writer.putObjects(readWireObjects(src, all.ids));
      await writer.close();

      const reader = S3Transport.open(`s3://${bucket}/h`);
      const history = await reader.history([main], []);
      assert.equal(history.size, 40);
      assert.deepEqual(history.get(main), src.objects.readCommit(main).parents);
      const into = newRepo();
      const r = await fetchObjects(into, reader, [main]);
      await reader.close();
      assert.ok(r.requests <= 6, `fetched in ${r.requests} requests`);
      assert.equal(commitHistory(into.objects, [main], []).size, 40);
      await into.close();
    } finally { await src.close(); }
  });

  test('pack indexes: version 1 (no commit list) still reads; a commit list cut off or naming a commit the pack lacks is refused and adds nothing', () => {
    const a = 'aa'.repeat(32) as Oid;
    const b = 'bb'.repeat(32) as Oid;
    const entries = [{ id: a, offset: 0, length: 10 }, { id: b, offset: 10, length: 10 }];
    const v2 = encodePackIndex(entries, 20, new Map([[b, [a]]]));
    const index = new Map<Oid, PackEntry>();
    const history = new Map<Oid, Oid[]>();
    assert.equal(decodePackIndex('p2', v2, index, history), 2);
    assert.deepEqual([...history], [[b, [a]]]);

    const v1 = encodePackIndex(entries, 20);
    v1[4] = 1;
    const fromV1 = new Map<Oid, Oid[]>();
    assert.equal(decodePackIndex('p1', v1, new Map(), fromV1), 2);
    assert.equal(fromV1.size, 0);
    assert.throws(() => decodePackIndex('p1', Buffer.concat([v1, Buffer.alloc(1)]), new Map()), /pack index p1 in the bucket is malformed: wrong length/);
    const v3 = Buffer.from(v2);
    v3[4] = 3;
    assert.throws(() => decodePackIndex('p3', v3, new Map()), (err: Error & { hint?: string }) => /has version 3, newer than this dv reads \(2\)/.test(err.message) && err.hint === 'upgrade dv');

    for (const [bad, why] of [
      [v2.subarray(0, v2.length - 5), /commit list is cut off/],
      [encodePackIndex(entries, 20, new Map([['cc'.repeat(32) as Oid, []]])), /lists commit c{64}, which the pack does not hold/],
    ] as const) {
      const untouched = new Map<Oid, PackEntry>();
      assert.throws(() => decodePackIndex('px', bad, untouched, new Map()), why);
      assert.equal(untouched.size, 0, 'nothing was taken in');
    }
  });
});

describe('s3 partial clone', () => {
  test('clone --no-checkout from s3:// fetches history only; a checkout of one path fetches just that file', async () => {
    const bucket = await makeBucket('dv-partial');
    const url = `s3://${bucket}/p`;
    const env = server.env;
    const { dir } = makeSourceRepo();
    dvOk(dir, ['remote', 'add', 'origin', url], { env });
    dvOk(dir, ['push', '--tags', 'origin', 'main'], { env });

    const base = tmpDir();
    const r = JSON.parse(dvOk(base, ['clone', '--no-checkout', '--json', url, 'p'], { env }));
    assert.equal(r.partial, true);
    assert.ok(r.bytes < 20_000, `history and trees only: ${r.bytes} bytes`);
    const p = path.join(base, 'p');
    assert.equal(JSON.parse(dvOk(p, ['fsck', '--json'])).notFetched, 4);
    dvOk(p, ['checkout', 'main', '--', 'data/notes/readme.txt'], { env });
    assert.equal(fs.readFileSync(path.join(p, 'data/notes/readme.txt'), 'utf8'), 'weather data\n');
    assert.ok(!fs.existsSync(path.join(p, 'data/weather.csv')));
    const after = JSON.parse(dvOk(p, ['fsck', '--json']));
    assert.deepEqual([after.ok, after.notFetched], [true, 3]);
  });
});
