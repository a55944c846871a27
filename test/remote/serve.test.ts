import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { dv, dvOk, makeRepo, tmpDir, writeFiles } from '../helpers.js';
import { dvAsync, StallingProxy, startServe, type ServeProcess } from './serve-helpers.js';

const servers: ServeProcess[] = [];
after(async () => { for (const s of servers) await s.stop(); });

/** A bare repository `hub` holding one commit on main, pushed from a working repository. */
function makeHub(): { root: string; hub: string; work: string } {
  const root = tmpDir();
  const hub = path.join(root, 'hub');
  dvOk(root, ['init', '--bare', hub]);
  const work = makeRepo({ 'data/a.csv': 'id,v\n1,2\n' });
  dvOk(work, ['add', 'data']);
  dvOk(work, ['commit', '-m', 'first']);
  dvOk(work, ['remote', 'add', 'origin', hub]);
  dvOk(work, ['push']);
  return { root, hub, work };
}

/** Waits (up to 5 s) until `ready` holds: the server's output reaches this process between its synchronous commands. */
async function waitFor(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ready(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(ready(), 'timed out waiting');
}

/** makeHub's hub served by `dv serve` (with `args`) behind a StallingProxy, reached from work as the remote `net`. */
async function hubBehindProxy(args: string[] = []) {
  const { root, hub, work } = makeHub();
  const s = await startServe(['--port', '0', ...args, hub], root);
  const proxy = new StallingProxy(s.port);
  await proxy.listen();
  dvOk(work, ['remote', 'add', 'net', `http://127.0.0.1:${proxy.port}/hub`]);
  return { root, hub, work, s, proxy };
}

function commitChange(dir: string, file: string, content: string | Buffer): void {
  writeFiles(dir, { [file]: content });
  dvOk(dir, ['add', file]);
  dvOk(dir, ['commit', '-m', `change ${file}`]);
}

test('tokens: 401 without one, 403 for a read token or another branch; the reflog names the token', async () => {
  const { root, hub } = makeHub();
  const tokens = path.join(root, 'tokens.json');
  const admin = dvOk(root, ['token', 'create', 'admin', '--tokens', tokens, '--write', 'hub:*']).trim();
  const reader = dvOk(root, ['token', 'create', 'reader', '--tokens', tokens, '--read', 'hub:*']).trim();
  const team = dvOk(root, ['token', 'create', 'team', '--tokens', tokens, '--write', 'hub:team/*']).trim();
  assert.match(admin, /^dvt_[A-Za-z0-9_-]{40,}$/);
  const stored = fs.readFileSync(tokens, 'utf8');
  assert.ok(!stored.includes(admin) && !stored.includes(reader), 'secrets are not stored');
  assert.equal(dv(root, ['token', 'create', 'admin', '--tokens', tokens, '--read', 'hub:*']).code, 1);

  const s = await startServe(['--port', '0', '--tokens', tokens, hub], root);
  servers.push(s);
  const url = `${s.url}/hub`;

  const anon = dv(root, ['clone', url, 'anon']);
  assert.equal(anon.code, 1);
  assert.match(anon.stderr, /dv: authentication required/);
  assert.match(anon.stderr, /hint: set DV_TOKEN/);
  assert.ok(!fs.existsSync(path.join(root, 'anon')));
  const wrong = dv(root, ['clone', url, 'wrong'], { env: { DV_TOKEN: 'dvt_nope' } });
  assert.match(wrong.stderr, /the token is not valid/);

  dvOk(root, ['clone', url, 'work'], { env: { DV_TOKEN: reader } });
  const work = path.join(root, 'work');
  commitChange(work, 'data/a.csv', 'id,v\n1,3\n');
  const before = dvOk(hub, ['rev-parse', 'main']);
  const ro = dv(work, ['push'], { env: { DV_TOKEN: reader } });
  assert.equal(ro.code, 1);
  assert.match(ro.stderr, /token 'reader' may not write to hub/);
  const other = dv(work, ['push'], { env: { DV_TOKEN: team } });
  assert.equal(other.code, 1);
  assert.match(other.stderr, /token 'team' may not update main in hub/);
  assert.equal(dvOk(hub, ['rev-parse', 'main']), before, 'nothing changed on the server');

  dvOk(work, ['branch', 'team/fix']);
  dvOk(work, ['push', 'origin', 'team/fix'], { env: { DV_TOKEN: team } });
  dvOk(work, ['push'], { env: { DV_TOKEN: admin } });
  assert.equal(dvOk(hub, ['rev-parse', 'main']), dvOk(work, ['rev-parse', 'main']));
  const log = JSON.parse(dvOk(hub, ['reflog', 'main', '--json']));
  assert.equal(log[0].who, 'admin');
  assert.equal(JSON.parse(dvOk(hub, ['reflog', 'team/fix', '--json']))[0].who, 'team');

  // Deleting a ref on the server needs write permission for it, like any update.
  const readerDelete = dv(work, ['push', 'origin', '--delete', 'team/fix'], { env: { DV_TOKEN: reader } });
  assert.equal(readerDelete.code, 1);
  assert.match(readerDelete.stderr, /token 'reader' may not write to hub/);
  // A token that may not read main is not shown it, so it finds nothing of that name to delete.
  const teamDelete = dv(work, ['push', 'origin', '--delete', 'main'], { env: { DV_TOKEN: team } });
  assert.equal(teamDelete.code, 1);
  assert.match(teamDelete.stderr, /^dv: the remote has no branch or tag 'main' to delete/);
  assert.equal(dvOk(hub, ['rev-parse', 'main']), dvOk(work, ['rev-parse', 'main']), 'main is still there');
  dvOk(work, ['push', 'origin', '--delete', 'team/fix'], { env: { DV_TOKEN: team } });
  assert.equal(dv(hub, ['rev-parse', 'team/fix']).code, 1);
  assert.equal(JSON.parse(dvOk(hub, ['reflog', 'team/fix', '--json']))[0].who, 'team');

  // The request log on stderr: a line per request, refusals with the reason given.
  await waitFor(() => / POST \/hub\/update-refs 200 /.test(s.stderr().split('\n').at(-2) ?? ''));
  const lines = s.stderr().trim().split('\n');
  const line = /^\d{4}-\d\d-\d\dT[\d:.]+Z from=\S+ who=\S+ (GET|POST) \/\S+ \d{3} in=\d+ out=\d+ ms=\d+( error=".*")?$/;
  for (const l of lines) assert.match(l, line);
  assert.ok(lines.some((l) => / who=- GET \/hub\/refs 401 .* error="authentication required: this server needs a token"$/.test(l)), 'the refused clone');
  assert.ok(lines.some((l) => / who=reader POST \/hub\/receive 403 .* error="token 'reader' may not write to hub"$/.test(l)), 'the read token\'s push');
  // team/fix brought the new commit's objects; admin's push of main then had none to send.
  const received = lines.filter((l) => / who=team POST \/hub\/receive 200 /.test(l));
  assert.equal(received.length, 1);
  assert.ok(Number(/ in=(\d+)/.exec(received[0]!)![1]) > 0, 'the pushed bytes are counted');
  assert.ok(lines.some((l) => / who=team POST \/hub\/update-refs 200 /.test(l)));
});

test('dv serve --quiet logs no requests; a URL that names no repository says what one looks like', async () => {
  const { root, hub } = makeHub();
  const s = await startServe(['--port', '0', '--quiet', hub], root);
  servers.push(s);
  dvOk(root, ['clone', `${s.url}/hub`, 'c']);
  const bare = dv(root, ['clone', s.url, 'd']);
  assert.equal(bare.code, 1);
  assert.equal(bare.stderr, "dv: no such endpoint /refs\nhint: a repository served by dv serve is at http://HOST:PORT/NAME (NAME: its directory's name)\n");
  assert.ok(!fs.existsSync(path.join(root, 'd')));
  assert.equal(s.stderr(), '');
});

test('--read-only serves clones and refuses pushes', async () => {
  const { root, hub } = makeHub();
  const s = await startServe(['--port', '0', '--read-only', hub], root);
  servers.push(s);
  dvOk(root, ['clone', `${s.url}/hub`, 'c']);
  const c = path.join(root, 'c');
  commitChange(c, 'data/b.csv', 'x\n');
  const r = dv(c, ['push']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /this server is read-only/);
  const missing = dv(root, ['clone', `${s.url}/nope`, 'n']);
  assert.match(missing.stderr, /no repository named nope/);
});

test('a push over the size limit is refused with 413 and nothing moves', async () => {
  const { root, hub } = makeHub();
  const s = await startServe(['--port', '0', '--max-push-bytes', '100000', hub], root);
  servers.push(s);
  dvOk(root, ['clone', `${s.url}/hub`, 'c']);
  const c = path.join(root, 'c');
  commitChange(c, 'data/big.bin', crypto.randomBytes(1 << 20));
  const before = dvOk(hub, ['rev-parse', 'main']);
  const r = dv(c, ['push']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /exceeds this server's limit of 100000 bytes/);
  assert.equal(dvOk(hub, ['rev-parse', 'main']), before);
});

test('two clients push to one branch at once: exactly one wins, the other is told it is not a fast-forward', async () => {
  const { root, hub } = makeHub();
  const s = await startServe(['--port', '0', hub], root);
  servers.push(s);
  const url = `${s.url}/hub`;
  dvOk(root, ['clone', url, 'x']);
  dvOk(root, ['clone', url, 'y']);
  const x = path.join(root, 'x');
  const y = path.join(root, 'y');
  commitChange(x, 'data/x.bin', crypto.randomBytes(2 << 20));
  commitChange(y, 'data/y.bin', crypto.randomBytes(2 << 20));
  const [rx, ry] = await Promise.all([dvAsync(x, ['push']), dvAsync(y, ['push'])]);
  const codes = [rx.code, ry.code].sort();
  assert.deepEqual(codes, [0, 1], `${rx.stderr}\n${ry.stderr}`);
  const [winner, loser] = rx.code === 0 ? [x, ry] : [y, rx];
  assert.match(loser.stderr, /not a fast-forward/);
  assert.match(loser.stderr, /hint: run `dv pull`/);
  assert.equal(dvOk(hub, ['rev-parse', 'main']), dvOk(winner, ['rev-parse', 'main']));
  assert.match(dvOk(hub, ['fsck']), /checked/);
});

test('kill -9 of the server in the middle of a push, then a retry: the push completes, fsck is clean on both sides', async () => {
  const setup = await hubBehindProxy();
  const { root, hub, work, proxy } = setup;
  let s = setup.s;
  try {
    commitChange(work, 'data/big.bin', crypto.randomBytes(8 << 20));
    const before = dvOk(hub, ['rev-parse', 'main']);
    proxy.limit = 3 << 20;
    const pushing = dvAsync(work, ['push', 'net']);
    while (proxy.forwarded < proxy.limit) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    s.proc.kill('SIGKILL');
    await new Promise((r) => s.proc.once('exit', r));
    const first = await pushing;
    assert.equal(first.code, 1, 'the interrupted push fails');
    assert.match(first.stderr, /dv: /);
    assert.equal(dvOk(hub, ['rev-parse', 'main']), before, 'the ref did not move');

    s = await startServe(['--port', '0', hub], root);
    proxy.targetPort = s.port;
    proxy.limit = Infinity;
    // The proxy runs in this process: the client must not block it (no spawnSync).
    const retry = await dvAsync(work, ['push', 'net']);
    assert.equal(retry.code, 0, retry.stderr);
    assert.equal(dvOk(hub, ['rev-parse', 'main']), dvOk(work, ['rev-parse', 'main']));
    assert.match(dvOk(hub, ['fsck']), /checked/);
    assert.match(dvOk(work, ['fsck']), /checked/);
  } finally {
    await proxy.close();
    servers.push(s);
  }
});

test('--idle-timeout: a push that goes silent is dropped and its writer lease freed; a slow but steady one completes', async () => {
  const { hub, work, s, proxy } = await hubBehindProxy(['--idle-timeout', '1']);
  servers.push(s);
  try {
    commitChange(work, 'data/big.bin', crypto.randomBytes(1536 << 10));
    const before = dvOk(hub, ['rev-parse', 'main']);

    // Stalled: the body stops after 512 KiB and the client stays connected.
    proxy.limit = proxy.forwarded + (512 << 10);
    const stalled = await dvAsync(work, ['push', 'net']);
    assert.equal(stalled.code, 1, 'the server dropped the silent push');
    assert.match(stalled.stderr, /^dv: the connection to http:\/\/127\.0\.0\.1:\d+\/hub\/ broke: /m);
    assert.match(stalled.stderr, /^hint: run the command again \(what already crossed is not sent again\)$/m);
    await waitFor(() => / POST \/hub\/receive - in=\d+ .*error=/.test(s.stderr()));
    assert.equal(dvOk(hub, ['rev-parse', 'main']), before, 'the ref did not move');
    // gc refuses to run while a push holds a lease: it runs, so the lease is gone.
    const gc = dv(hub, ['gc']);
    assert.equal(gc.code, 0, gc.stderr);

    // Slow but steady: 128 KiB every 250 ms, so the push takes far longer than the idle timeout.
    proxy.limit = Infinity;
    proxy.throttle = { bytes: 128 << 10, ms: 250 };
    const started = Date.now();
    const slow = await dvAsync(work, ['push', 'net']);
    assert.equal(slow.code, 0, slow.stderr);
    assert.ok(Date.now() - started > 2000, `the push took ${Date.now() - started} ms`);
    assert.equal(dvOk(hub, ['rev-parse', 'main']), dvOk(work, ['rev-parse', 'main']));
    assert.match(dvOk(hub, ['fsck']), /checked/);
  } finally {
    await proxy.close();
  }
});

test('--idle-timeout must be a positive number of seconds', () => {
  const { root, hub } = makeHub();
  const r = dv(root, ['serve', '--port', '0', '--idle-timeout', '0', hub]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^dv: --idle-timeout needs a number of seconds above 0, got "0"$/m);
});

test('SIGTERM in the middle of a push: the server keeps what it verified and exits cleanly; the retry sends only the rest', async () => {
  const setup = await hubBehindProxy();
  const { root, hub, work, proxy } = setup;
  let s = setup.s;
  try {
    const size = 4 << 20;
    commitChange(work, 'data/big.bin', crypto.randomBytes(size));
    const before = dvOk(hub, ['rev-parse', 'main']);
    proxy.throttle = { bytes: 256 << 10, ms: 50 };
    const start = proxy.forwarded;
    const pushing = dvAsync(work, ['push', 'net']);
    while (proxy.forwarded - start < size / 2) await new Promise((r) => setTimeout(r, 10));
    s.proc.kill('SIGTERM');
    const exit = await new Promise<number | null>((r) => s.proc.once('exit', (code) => r(code)));
    assert.equal(exit, 0, s.stderr());
    assert.match(s.stderr(), / POST \/hub\/receive - in=\d+ .*error="the connection closed before the answer was sent"/);
    const first = await pushing;
    assert.equal(first.code, 1);
    assert.match(first.stderr, /broke: .*\nhint: run the command again/);
    assert.equal(dvOk(hub, ['rev-parse', 'main']), before, 'the ref did not move');
    assert.match(dvOk(hub, ['fsck']), /[1-9]\d* dangling/, 'what verified before the shutdown was kept');

    s = await startServe(['--port', '0', hub], root);
    proxy.targetPort = s.port;
    proxy.throttle = undefined;
    const retry = await dvAsync(work, ['push', 'net', '--json']);
    assert.equal(retry.code, 0, retry.stderr);
    const sent = (JSON.parse(retry.stdout) as { bytes: number }).bytes;
    assert.ok(sent < size * 0.75, `the retry sent ${sent} of ${size} bytes`);
    assert.equal(dvOk(hub, ['rev-parse', 'main']), dvOk(work, ['rev-parse', 'main']));
    assert.match(dvOk(hub, ['fsck']), /checked/);
  } finally {
    await proxy.close();
    servers.push(s);
  }
});
