#!/usr/bin/env node
// scripts/bench-remote.mjs — remotes: push and clone of the big CSV over HTTP on loopback (dv serve),
// the incremental push after the scattered 1% correction and its pull into the clone, negotiation for
// 100,000 small objects with 1% new, and `git push` / `git pull` over a local path of the same CSV
// for comparison.
//
//   node scripts/bench-remote.mjs V1_CSV V2_CSV [WORK]     # standalone (bench.mjs calls benchRemotes)
//   NEG_FILES=100000 (files in the negotiation repository)
//   BENCH_DIR=../shared/bench (its gen.mjs makes the two further corrections of the history rows)
//
// Targets: push and clone >= 400 MB/s, incremental push <= 4% of the data size, negotiation <= 2 s.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENV = { ...process.env, DV_AUTHOR_NAME: 'Bench', DV_AUTHOR_EMAIL: 'bench@example.com', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
const mb = (b) => (b / 1e6).toFixed(1);

function runDv(dvBin, cwd, args) {
  return execFileSync(process.execPath, [dvBin, ...args], { cwd, env: ENV, encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** CPU seconds (user + system) a process used so far, from /proc; `children`: those of its waited-for children. */
function cpuSecs(pid, children = false) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // After the name: state is field 3; utime, stime are 14, 15 and cutime, cstime 16, 17 (man 5 proc).
    const [u, st] = children ? [fields[13], fields[14]] : [fields[11], fields[12]];
    return (Number(u) + Number(st)) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN; // no /proc: the figures say "n/a"
  }
}

/**
 * Times `fn`, which runs one dv command to completion, and the CPU seconds it and the
 * server (`serverPid`) used meanwhile: on two cores a transfer is bound by both together.
 * An untimed `sync` goes first, as before every timed op of bench.mjs and the peers'
 * harness: the previous step's dirty pages (a push or clone leaves about 750 MB) are
 * written back then, not on the clock of the next command, dv's or git's.
 */
function timed(fn, serverPid) {
  spawnSync('sync');
  const cpu0 = [cpuSecs(process.pid, true), serverPid ? cpuSecs(serverPid) : NaN];
  const t0 = process.hrtime.bigint();
  const out = fn();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { secs, out, clientCpu: cpuSecs(process.pid, true) - cpu0[0], serverCpu: serverPid ? cpuSecs(serverPid) - cpu0[1] : NaN };
}

/** The run of median time (the lower middle one of an even count). */
const median = (runs) => [...runs].sort((a, b) => a.secs - b.secs)[Math.floor((runs.length - 1) / 2)];
const roundsNote = (t) => (t.rounds.length > 1 ? `; median of ${t.rounds.length} runs: ${[...t.rounds].sort((a, b) => a - b).map((x) => x.toFixed(2)).join(', ')} s` : '');

const cpuNote = (t) => (Number.isNaN(t.clientCpu) ? '' : ` (CPU: client ${t.clientCpu.toFixed(2)} s, server ${t.serverCpu.toFixed(2)} s)`);

/** Starts `dv serve --port 0` on the given repositories; resolves with its URL and a stop function. */
function serve(dvBin, repos) {
  const proc = spawn(process.execPath, [dvBin, 'serve', '--port', '0', ...repos], { env: ENV, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ url: m[1], pid: proc.pid, stop: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGTERM'); }) });
    });
    proc.once('exit', (code) => reject(new Error(`dv serve exited ${code}`)));
  });
}

function defaultGenScript() {
  return path.join(path.resolve(process.env.BENCH_DIR || path.resolve(repoRoot, '../shared/bench')), 'gen.mjs');
}

/**
 * A history of four versions (v1, v2 and two more scattered 1% corrections of the CSV,
 * seeds 3 and 4), committed in `src` after v1 and v2, pushed to a new hub and cloned
 * from it. Each corrected chunk is a delta against the one it replaced, so the versions
 * travel as chains of deltas.
 */
async function benchHistory({ dvBin, work, src, v2Csv, genScript, log }) {
  log('remote bench: a history of four versions (two more corrections)');
  let prev = v2Csv;
  for (const seed of [3, 4]) {
    const next = path.join(work, `v${seed}.csv`);
    fs.copyFileSync(prev, next);
    execFileSync(process.execPath, [genScript, 'correct', '--target', next, '--seed', String(seed), '--rate', '0.01'], { stdio: 'ignore' });
    fs.copyFileSync(next, path.join(src, 'data', 'data.csv'));
    runDv(dvBin, src, ['add', 'data']);
    runDv(dvBin, src, ['commit', '-m', `v${seed}`]);
    prev = next;
  }
  const hub = path.join(work, 'hub4');
  runDv(dvBin, work, ['init', '--bare', hub]);
  const server = await serve(dvBin, [hub]);
  try {
    runDv(dvBin, src, ['remote', 'set-url', 'origin', `${server.url}/hub4`]);
    log('remote bench: push and clone of the four versions over http');
    const push = timed(() => JSON.parse(runDv(dvBin, src, ['push', '--json'])), server.pid);
    const clone = path.join(work, 'clone4');
    const cl = timed(() => JSON.parse(runDv(dvBin, work, ['clone', '--json', `${server.url}/hub4`, clone])), server.pid);
    if (!fs.readFileSync(path.join(clone, 'data', 'data.csv')).equals(fs.readFileSync(prev))) throw new Error('the history clone differs from the last correction');
    const figures = (t, bytes) => ({ secs: t.secs, bytes, clientCpu: t.clientCpu, serverCpu: t.serverCpu });
    return { push: figures(push, push.out.bytes), clone: figures(cl, cl.out.bytes) };
  } finally {
    await server.stop();
  }
}

/** Runs every remote measurement; returns the figures and a markdown section. */
export async function benchRemotes({ dvBin = path.join(repoRoot, 'bin', 'dv'), work, v1Csv, v2Csv, negFiles = 100_000, genScript = defaultGenScript(), log = (m) => process.stderr.write(m + '\n') }) {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const size = fs.statSync(v1Csv).size;
  const r = { dataBytes: size };

  // The source repository (not timed).
  const src = path.join(work, 'src');
  fs.mkdirSync(path.join(src, 'data'), { recursive: true });
  runDv(dvBin, src, ['init']);
  fs.copyFileSync(v1Csv, path.join(src, 'data', 'data.csv'));
  log('remote bench: committing the CSV');
  runDv(dvBin, src, ['add', 'data']);
  runDv(dvBin, src, ['commit', '-m', 'v1']);

  // The whole-CSV push and clone are repeated (ROUNDS, a fresh hub and clone each time) and
  // reported by their median: on a virtual machine, writing into memory the guest has not
  // touched yet costs several times what it costs later, so one run can be far off (runs of
  // one build spread from 1.24 to 2.10 s here): five runs make the median steadier than three.
  const rounds = Math.max(1, Number(process.env.REMOTE_ROUNDS || 5));
  const pushes = [];
  const clones = [];
  const copies = [];
  const checks = [];
  const hub = path.join(work, 'hub');
  let server;
  try {
    for (let round = 0; round < rounds; round++) {
      if (server) await server.stop();
      fs.rmSync(hub, { recursive: true, force: true });
      fs.rmSync(path.join(work, 'clone'), { recursive: true, force: true });
      runDv(dvBin, work, ['init', '--bare', hub]);
      server = await serve(dvBin, [hub]);
      if (round === 0) runDv(dvBin, src, ['remote', 'add', 'origin', `${server.url}/hub`]);
      else runDv(dvBin, src, ['remote', 'set-url', 'origin', `${server.url}/hub`]);
      log(`remote bench: push over http (round ${round + 1} of ${rounds})`);
      pushes.push(timed(() => JSON.parse(runDv(dvBin, src, ['push', '--json'])), server.pid));
      // For scale: verifying what arrived with no transfer at all (a receiver verifies every object).
      checks.push(timed(() => runDv(dvBin, hub, ['fsck'])));
      log(`remote bench: clone over http (round ${round + 1} of ${rounds})`);
      clones.push(timed(() => JSON.parse(runDv(dvBin, work, ['clone', '--json', `${server.url}/hub`, path.join(work, 'clone')])), server.pid));
      if (!fs.readFileSync(path.join(work, 'clone', 'data', 'data.csv')).equals(fs.readFileSync(v1Csv))) throw new Error('the clone differs from the source');
      // For scale: what writing the same bytes into a new file costs on this machine right now.
      const copy = path.join(work, 'copy.csv');
      copies.push(timed(() => execFileSync('dd', [`if=${v1Csv}`, `of=${copy}`, 'bs=1M'], { stdio: 'ignore' })));
      fs.rmSync(copy);
    }
    const push = median(pushes);
    r.push = { secs: push.secs, mbps: size / push.secs / 1e6, sent: push.out.bytes, clientCpu: push.clientCpu, serverCpu: push.serverCpu, rounds: pushes.map((t) => t.secs) };
    const cl = median(clones);
    r.clone = { secs: cl.secs, mbps: size / cl.secs / 1e6, received: cl.out.bytes, clientCpu: cl.clientCpu, serverCpu: cl.serverCpu, rounds: clones.map((t) => t.secs) };
    const ck = median(checks);
    r.hubFsck = { secs: ck.secs, mbps: size / ck.secs / 1e6, cpu: ck.clientCpu, rounds: checks.map((t) => t.secs) };
    const cp = median(copies);
    r.localCopy = { secs: cp.secs, mbps: size / cp.secs / 1e6, rounds: copies.map((t) => t.secs) };

    log('remote bench: incremental push after the 1% correction');
    fs.copyFileSync(v2Csv, path.join(src, 'data', 'data.csv'));
    runDv(dvBin, src, ['add', 'data']);
    runDv(dvBin, src, ['commit', '-m', 'v2']);
    const inc = timed(() => JSON.parse(runDv(dvBin, src, ['push', '--json'])));
    r.incremental = { secs: inc.secs, sent: inc.out.bytes, share: inc.out.bytes / size, objects: inc.out.objects };

    log('remote bench: pull of the correction into the clone');
    const clone = path.join(work, 'clone');
    const pl = timed(() => JSON.parse(runDv(dvBin, clone, ['pull', '--json'])), server.pid);
    r.pull = { secs: pl.secs, received: pl.out.fetch.bytes, clientCpu: pl.clientCpu, serverCpu: pl.serverCpu };
    if (!fs.readFileSync(path.join(clone, 'data', 'data.csv')).equals(fs.readFileSync(v2Csv))) throw new Error('the pulled clone differs from the correction');

    // A fresh clone now takes both versions: the corrected chunks arrive as deltas just after their bases.
    log('remote bench: clone of both versions over http');
    const c2 = timed(() => JSON.parse(runDv(dvBin, work, ['clone', '--json', `${server.url}/hub`, path.join(work, 'clone2')])), server.pid);
    r.cloneBoth = { secs: c2.secs, received: c2.out.bytes, clientCpu: c2.clientCpu, serverCpu: c2.serverCpu };
    if (!fs.readFileSync(path.join(work, 'clone2', 'data', 'data.csv')).equals(fs.readFileSync(v2Csv))) throw new Error('the second clone differs from the correction');
  } finally {
    await server.stop();
  }

  r.history = await benchHistory({ dvBin, work, src, v2Csv, genScript, log });

  // Negotiation: many small files, 1% changed, pushed over http; the push is almost all negotiation.
  log(`remote bench: negotiation repository with ${negFiles} files`);
  const neg = path.join(work, 'neg');
  const dirs = Math.max(1, Math.round(negFiles / 1000));
  for (let d = 0; d < dirs; d++) {
    const dir = path.join(neg, 'data', `d${String(d).padStart(3, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < negFiles / dirs; f++) fs.writeFileSync(path.join(dir, `f${f}.csv`), `id,value\n${d},${f}\n`);
  }
  runDv(dvBin, neg, ['init']);
  runDv(dvBin, neg, ['add', 'data']);
  runDv(dvBin, neg, ['commit', '-m', 'many']);
  const negHub = path.join(work, 'neghub');
  runDv(dvBin, work, ['init', '--bare', negHub]);
  const server2 = await serve(dvBin, [negHub]);
  try {
    runDv(dvBin, neg, ['remote', 'add', 'origin', `${server2.url}/neghub`]);
    runDv(dvBin, neg, ['push']);
    let changed = 0;
    for (let d = 0; d < dirs; d++) {
      for (let f = 0; f < negFiles / dirs; f += 100) {
        fs.writeFileSync(path.join(neg, 'data', `d${String(d).padStart(3, '0')}`, `f${f}.csv`), `id,value\n${d},${f},changed\n`);
        changed++;
      }
    }
    runDv(dvBin, neg, ['add', 'data']);
    runDv(dvBin, neg, ['commit', '-m', '1% changed']);
    const p = timed(() => JSON.parse(runDv(dvBin, neg, ['push', '--json'])));
    r.negotiation = { files: negFiles, changed, secs: p.secs, negotiationSecs: p.out.negotiationMs / 1000, asked: p.out.asked, requests: p.out.requests, objects: p.out.objects };
  } finally {
    await server2.stop();
  }

  // git push over a local path of the same CSV.
  log('remote bench: git push over a local path');
  const g = path.join(work, 'git');
  fs.mkdirSync(path.join(g, 'data'), { recursive: true });
  fs.copyFileSync(v1Csv, path.join(g, 'data', 'data.csv'));
  const git = (cwd, args) => execFileSync('git', args, { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  git(g, ['init', '-q', '-b', 'main']);
  git(g, ['add', 'data']);
  git(g, ['commit', '-q', '-m', 'v1']);
  git(work, ['init', '-q', '--bare', '-b', 'main', path.join(work, 'git-hub.git')]);
  const gp = timed(() => git(g, ['push', '-q', path.join(work, 'git-hub.git'), 'main']));
  r.gitPush = { secs: gp.secs, mbps: size / gp.secs / 1e6 };
  git(work, ['clone', '-q', path.join(work, 'git-hub.git'), path.join(work, 'git-clone')]);
  fs.copyFileSync(v2Csv, path.join(g, 'data', 'data.csv'));
  git(g, ['commit', '-q', '-am', 'v2']);
  const gi = timed(() => git(g, ['push', '-q', path.join(work, 'git-hub.git'), 'main']));
  r.gitIncremental = { secs: gi.secs };
  const gl = timed(() => git(path.join(work, 'git-clone'), ['pull', '-q', '--ff-only']));
  r.gitPull = { secs: gl.secs };

  const md = [
    '### Remotes (dv serve over HTTP on loopback; git over a local path)',
    '',
    `Data: one CSV of ${mb(size)} MB; the scattered 1% correction; ${negFiles} small files for negotiation.`,
    '',
    '| measurement | dv | target | git (local path) |',
    '| --- | --- | --- | --- |',
    `| push, whole CSV | ${r.push.secs.toFixed(2)} s, ${r.push.mbps.toFixed(0)} MB/s${cpuNote(r.push)}${roundsNote(r.push)} | ≥ 400 MB/s | ${r.gitPush.secs.toFixed(2)} s, ${r.gitPush.mbps.toFixed(0)} MB/s |`,
    `| clone, whole CSV | ${r.clone.secs.toFixed(2)} s, ${r.clone.mbps.toFixed(0)} MB/s${cpuNote(r.clone)}${roundsNote(r.clone)} | ≥ 400 MB/s | |`,
    `| for scale: \`dv fsck\` of the hub after the push (decompresses and hashes every object, as receiving does; no transfer) | ${r.hubFsck.secs.toFixed(2)} s, ${r.hubFsck.mbps.toFixed(0)} MB/s (CPU ${r.hubFsck.cpu.toFixed(2)} s)${roundsNote(r.hubFsck)} | | |`,
    `| for scale: \`dd\` of the CSV into a new local file | ${r.localCopy.secs.toFixed(2)} s, ${r.localCopy.mbps.toFixed(0)} MB/s${roundsNote(r.localCopy)} | | |`,
    `| incremental push after the 1% correction | ${mb(r.incremental.sent)} MB sent (${(r.incremental.share * 100).toFixed(2)}% of the data), ${r.incremental.secs.toFixed(2)} s | ≤ 4% | ${r.gitIncremental.secs.toFixed(2)} s |`,
    `| pull of that correction into the clone (fetch + checkout) | ${r.pull.secs.toFixed(2)} s, ${mb(r.pull.received)} MB received${cpuNote(r.pull)} | | ${r.gitPull.secs.toFixed(2)} s |`,
    `| clone of both versions (v1, then the correction as deltas) | ${r.cloneBoth.secs.toFixed(2)} s, ${mb(r.cloneBoth.received)} MB received${cpuNote(r.cloneBoth)} | | |`,
    `| push of a history of four versions (v1, v2 and two more 1% corrections: chains of deltas) to a new hub | ${r.history.push.secs.toFixed(2)} s, ${mb(r.history.push.bytes)} MB sent${cpuNote(r.history.push)} | | |`,
    `| clone of that history | ${r.history.clone.secs.toFixed(2)} s, ${mb(r.history.clone.bytes)} MB received${cpuNote(r.history.clone)} | | |`,
    `| negotiation, 1% of ${negFiles} files changed (${r.negotiation.asked} ids asked in ${r.negotiation.requests} requests) | ${r.negotiation.negotiationSecs.toFixed(2)} s (whole push ${r.negotiation.secs.toFixed(2)} s) | ≤ 2 s | |`,
    '',
    `CPU: user + system seconds of the dv command, and of \`dv serve\` while it ran; with ${os.availableParallelism()} cores, a command of T seconds has at most ${os.availableParallelism()}T between them.`,
    '',
  ].join('\n');
  return { results: r, markdown: md };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [v1Csv, v2Csv, work = '/tmp/dv-bench-remote'] = process.argv.slice(2);
  if (!v1Csv || !v2Csv) { process.stderr.write('usage: node scripts/bench-remote.mjs V1_CSV V2_CSV [WORK]\n'); process.exit(2); }
  const { results, markdown } = await benchRemotes({ work: path.resolve(work), v1Csv, v2Csv, negFiles: Number(process.env.NEG_FILES || 100_000) });
  process.stdout.write(markdown + '\n');
  fs.writeFileSync(path.join(work, 'results.json'), JSON.stringify(results, null, 2));
}
