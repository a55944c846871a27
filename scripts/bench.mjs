#!/usr/bin/env node
// scripts/bench.mjs — dv against git, git-annex, git-lfs, restic and borg on the same data, in one run.
//
//   npm run bench                                  # build, then the full run (512 MiB CSV + 50,000 files, 3 reps)
//   node scripts/bench.mjs --smoke                 # quick check: BIG_MB=8 MANY_FILES=500 REPS=1
//   PEERS="dv git restic" SCENARIOS="bigcsv clustered" REPS=1 node scripts/bench.mjs
//
// The workload comes from ../shared/bench/gen.mjs (BENCH_DIR) and the steps mirror the P_* functions
// of ../shared/bench/peers.sh: init, add + commit, no-change status, correction + re-commit, restore of
// the previous version into a fresh directory (verified byte for byte), store size. Every tool runs on
// byte-identical data, interleaved rep by rep, so the dv / peer ratios hold even on a noisy machine.
//
// Knobs (environment): BENCH_DIR, WORK (/tmp/dv-bench), BIG_MB (512), MANY_FILES (50000), REPS (3),
// PEERS ("dv git annex lfs restic borg"), SCENARIOS ("bigcsv manyfiles"; add "clustered" for the
// clustered 1% correction of the same CSV; "rows" for dv's own row-level work on the big CSV: `dv validate`
// with a ten-rule contract and `dv diff --rows` across the scattered correction; "pipeline" for dv's pipeline
// figures, scripts/bench-pipeline.mjs), MAX_REP_SECS (30: an add/re-commit slower than this is not
// repeated in further reps, a status/restore slower than this is not repeated within a rep),
// OP_TIMEOUT_SECS (1200: an op running longer is killed and the tool's scenario abandoned),
// ANNEX_MANY (0; 1 runs git-annex on manyfiles, ~300 s at 50,000 files), MANY_FULL (1; 0 = manyfiles
// gets add + status only, as in peers.sh), REMOTE (1: remotes on bigcsv, scripts/bench-remote.mjs),
// NEG_FILES (100000: files in its negotiation repository), DV_AUTHOR_NAME / DV_AUTHOR_EMAIL.
// --smoke only changes defaults; the environment still wins.
//
// Output: progress on stderr, the markdown report on stdout, raw samples in $WORK/results.json,
// the tools' own output in $WORK/bench.log.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------- configuration

const USAGE = `usage: node scripts/bench.mjs [--smoke] [--help]
  env: BENCH_DIR WORK BIG_MB MANY_FILES REPS PEERS SCENARIOS MAX_REP_SECS OP_TIMEOUT_SECS
       ANNEX_MANY MANY_FULL REMOTE NEG_FILES DV_AUTHOR_NAME DV_AUTHOR_EMAIL (see the header of this file)`;

/** Reads argv and the environment once; everything else takes the resulting object. */
function readConfig(argv, env) {
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(USAGE + '\n'); process.exit(0); }
  const unknown = argv.filter((a) => a !== '--smoke');
  if (unknown.length) { process.stderr.write(`bench: unknown argument ${unknown[0]}\n${USAGE}\n`); process.exit(2); }
  const smoke = argv.includes('--smoke');
  // smoke mode only lowers the defaults, so `BIG_MB=64 node scripts/bench.mjs --smoke` still works
  const num = (name, dflt, smokeDflt = dflt) => {
    const v = env[name] !== undefined && env[name] !== '' ? Number(env[name]) : smoke ? smokeDflt : dflt;
    if (!Number.isFinite(v) || v < 0) { process.stderr.write(`bench: ${name} must be a number\n`); process.exit(2); }
    return v;
  };
  const list = (name, dflt) => (env[name] || dflt).split(/[\s,]+/).filter(Boolean);
  const work = path.resolve(env.WORK || '/tmp/dv-bench');
  const cfg = {
    smoke,
    benchDir: path.resolve(env.BENCH_DIR || path.resolve(repoRoot, '../shared/bench')),
    work,
    bigMb: num('BIG_MB', 512, 8),
    manyFiles: Math.round(num('MANY_FILES', 50000, 500)),
    reps: Math.max(1, Math.round(num('REPS', 3, 1))),
    maxRepSecs: num('MAX_REP_SECS', 30),
    opTimeoutSecs: num('OP_TIMEOUT_SECS', 1200, 300),
    annexMany: num('ANNEX_MANY', 0, 1) === 1, // 500 files take git-annex a few seconds; 50,000 take 5 min
    manyFull: num('MANY_FULL', 1) === 1,
    remote: num('REMOTE', 1) === 1, // push/clone over dv serve etc. on bigcsv: scripts/bench-remote.mjs
    negFiles: Math.round(num('NEG_FILES', 100000, 2000)),
    peers: list('PEERS', 'dv git annex lfs restic borg'),
    scenarios: list('SCENARIOS', 'bigcsv manyfiles'),
    dvBin: path.join(repoRoot, 'bin', 'dv'),
    home: path.join(work, 'home'),
    logFile: path.join(work, 'bench.log'),
    resultsFile: path.join(work, 'results.json'),
  };
  for (const p of cfg.peers) if (!TOOL_NAMES.includes(p)) { process.stderr.write(`bench: unknown peer ${p} (known: ${TOOL_NAMES.join(' ')})\n`); process.exit(2); }
  // "pipeline" is dv's own figures (scripts/bench-pipeline.mjs) on bigcsv's data, after the peer tables.
  cfg.pipeline = cfg.scenarios.includes('pipeline');
  cfg.scenarios = cfg.scenarios.filter((s) => s !== 'pipeline');
  for (const s of cfg.scenarios) if (!SCENARIO_NAMES.includes(s)) { process.stderr.write(`bench: unknown scenario ${s} (known: ${SCENARIO_NAMES.join(' ')})\n`); process.exit(2); }
  return cfg;
}

// ---------------------------------------------------------------- small helpers

const log = (msg) => process.stderr.write(`[${new Date().toTimeString().slice(0, 8)}] ${msg}\n`);
const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`; // single-quote for bash -c
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const fmtSecs = (s) => (s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s >= 0.1 ? s.toFixed(2) : s.toFixed(3));
const fmtBytes = (b) => (b >= 1e9 ? (b / 1e9).toFixed(2) + ' GB' : b >= 1e6 ? (b / 1e6).toFixed(1) + ' MB'
  : b >= 1e3 ? (b / 1e3).toFixed(1) + ' kB' : b + ' B');
/** Runs a short untimed helper command (sync, du, cp, diff) and returns its stdout. */
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });

/** `du -sb` (apparent bytes, as RESULTS.md) and `du -sk` (on disk) of one or more paths, summed. */
function duBytes(paths) {
  const existing = paths.filter((p) => fs.existsSync(p));
  if (!existing.length) return { bytes: 0, diskKb: 0 };
  const total = (flag) => Number(run('du', ['-sc', flag, ...existing]).trim().split('\n').pop().split('\t')[0]);
  return { bytes: total('-b'), diskKb: total('-k') };
}

/** Deletes a scratch tree, including git-annex's read-only object directories. */
function removeTree(dir) {
  if (!fs.existsSync(dir)) return;
  spawnSync('chmod', ['-R', 'u+w', dir]);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Where finished scratch trees wait to be deleted when the run ends (see setAside). */
const asideDir = (cfg) => path.join(cfg.work, 'aside');
let asideCount = 0;

/**
 * Moves a finished scratch tree out of the way, to be deleted when the run ends. A
 * manyfiles pipeline leaves 200,000 files (its copy of the data and three restores). On
 * this ext4, creating files within minutes of deleting that many makes the kernel skip
 * over the recently deleted inodes for every new one: a `dv export` of the 50,000 files
 * took 45-69 s (38-59 s of it system time) right after such a deletion, and 7.5 s without
 * one. That cost would fall on whichever tool ran next.
 */
function setAside(cfg, dir) {
  if (!fs.existsSync(dir)) return;
  fs.mkdirSync(asideDir(cfg), { recursive: true });
  fs.renameSync(dir, path.join(asideDir(cfg), `${path.basename(dir)}-${++asideCount}`));
}

// ---------------------------------------------------------------- tools
// Each tool is a set of shell commands, one per op, taking the working dir W (which holds data/), the
// per-run scratch dir R (stores, remotes, caches) and, for restore, the fresh target F. They are the
// commands of peers.sh, so figures are comparable with ../shared/bench/RESULTS.md.

const TOOL_NAMES = ['dv', 'git', 'gitbft', 'annex', 'lfs', 'restic', 'borg'];
const TOOL_LABELS = { dv: 'dv', git: 'git', gitbft: 'git (bigFileThreshold=2g)', annex: 'git-annex', lfs: 'git-lfs', restic: 'restic', borg: 'borg' };
const APT_HINT = 'apt-get install -y git-annex git-lfs restic borgbackup';

function defineTools(cfg) {
  // Run as a user does: the shebang carries dv's Node options.
  const dv = q(cfg.dvBin);
  const resticR = (R) => `RESTIC_CACHE_DIR=${q(R + '/cache')} restic -q -r ${q(R + '/repo')}`;
  const borg = (R) => `BORG_BASE_DIR=${q(R + '/borgbase')} borg`;
  const git = {
    probe: 'git --version',
    init: ({ W }) => `cd ${q(W)} && git init -q && git config gc.auto 0`,
    add: ({ W }) => `cd ${q(W)} && git add data && git commit -qm v1`,
    status: ({ W }) => `cd ${q(W)} && git status --porcelain`,
    recommit: ({ W }) => `cd ${q(W)} && git add -A data && git commit -qm v2`,
    restore: ({ W, F }) => `git clone -q --no-checkout ${q(W)} ${q(F)} && cd ${q(F)} && git checkout -q HEAD~1`,
    store: ({ W }) => [path.join(W, '.git')],
  };
  return {
    dv: {
      probe: `${dv} --help`,
      // dv's version plus the commit of this checkout, since dv changes between runs
      version: `echo "dv ${JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version} ($(git -C ${q(repoRoot)} rev-parse --short HEAD 2>/dev/null || echo 'uncommitted'))"`,
      init: ({ W }) => `cd ${q(W)} && ${dv} init`,
      add: ({ W }) => `cd ${q(W)} && ${dv} add data && ${dv} commit -m v1`,
      status: ({ W }) => `cd ${q(W)} && ${dv} status`,
      recommit: ({ W }) => `cd ${q(W)} && ${dv} add data && ${dv} commit -m v2`,
      // `dv export REV DEST` writes REV's tree into DEST, so DEST/data is v1
      restore: ({ W, F }) => `cd ${q(W)} && ${dv} export HEAD~1 ${q(F)}`,
      store: ({ W }) => [path.join(W, '.dv')],
    },
    git,
    // git with core.bigFileThreshold=2g: keeps v1 and v2 on the same (loose object) path, see RESULTS.md ¹
    gitbft: { ...git, init: (a) => `${git.init(a)} && git config core.bigFileThreshold 2g` },
    annex: {
      probe: 'git annex version --raw',
      init: ({ W }) => `cd ${q(W)} && git init -q && git config gc.auto 0 && git annex init -q bench`,
      add: ({ W }) => `cd ${q(W)} && git annex add -q data && git commit -qm v1`,
      status: ({ W }) => `cd ${q(W)} && git status --porcelain`,
      recommit: ({ W }) => `cd ${q(W)} && git annex add -q data && git commit -qm v2`,
      restore: ({ W, F }) => `git clone -q --no-checkout ${q(W)} ${q(F)} && cd ${q(F)} && git checkout -q HEAD~1 && git annex get -q data`,
      store: ({ W }) => [path.join(W, '.git')],
    },
    lfs: {
      probe: 'git lfs version',
      init: ({ W, R }) => `cd ${q(W)} && git init -q && git config gc.auto 0 && git lfs install --local >/dev/null && ` +
        `git lfs track '*.csv' >/dev/null && git add .gitattributes && git commit -qm attrs && ` +
        `git init -q --bare ${q(R + '/remote.git')} && git remote add origin ${q('file://' + R + '/remote.git')}`,
      add: ({ W }) => `cd ${q(W)} && git add data && git commit -qm v1`,
      // restore clones from the remote, so lfs needs a push after each commit; timed as its own op
      push: ({ W }) => `cd ${q(W)} && git push -q origin HEAD:refs/heads/main`,
      status: ({ W }) => `cd ${q(W)} && git status --porcelain`,
      recommit: ({ W }) => `cd ${q(W)} && git add -A data && git commit -qm v2`,
      restore: ({ R, F }) => `git clone -q --no-checkout ${q('file://' + R + '/remote.git')} ${q(F)} && cd ${q(F)} && git checkout -q HEAD~1`,
      store: ({ W }) => [path.join(W, '.git')],
    },
    restic: {
      probe: 'restic version',
      init: ({ R }) => `${resticR(R)} init`,
      add: ({ W, R }) => `cd ${q(W)} && ${resticR(R)} backup --tag v1 data`,
      // restic has no status: a no-change backup (files cache hit) is the nearest thing
      status: ({ W, R }) => `cd ${q(W)} && ${resticR(R)} backup --tag status data`,
      recommit: ({ W, R }) => `cd ${q(W)} && ${resticR(R)} backup --tag v2 data`,
      restore: ({ R, F }) => `mkdir -p ${q(F)} && ${resticR(R)} restore latest --tag v1 --target ${q(F)}`,
      store: ({ R }) => [path.join(R, 'repo')],
    },
    borg: {
      probe: 'borg --version',
      init: ({ R }) => `${borg(R)} init -e none ${q(R + '/repo')}`,
      add: ({ W, R }) => `cd ${q(W)} && ${borg(R)} create ${q(R + '/repo::v1')} data`,
      // borg has no status either: a no-change archive
      status: ({ W, R }) => `cd ${q(W)} && ${borg(R)} create ${q(R + '/repo::status-')}$(date +%s%N) data`,
      recommit: ({ W, R }) => `cd ${q(W)} && ${borg(R)} create ${q(R + '/repo::v2')} data`,
      restore: ({ R, F }) => `mkdir -p ${q(F)} && cd ${q(F)} && ${borg(R)} extract ${q(R + '/repo::v1')}`,
      store: ({ R }) => [path.join(R, 'repo')],
    },
  };
}

/** Environment of every op: an isolated HOME (git/lfs config, restic/borg caches) and the tools' knobs. */
function toolEnv(cfg) {
  return {
    ...process.env,
    HOME: cfg.home,
    GIT_CONFIG_NOSYSTEM: '1',
    RESTIC_PASSWORD: 'bench',
    BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes',
    BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes',
    DV_AUTHOR_NAME: process.env.DV_AUTHOR_NAME || 'bench',
    DV_AUTHOR_EMAIL: process.env.DV_AUTHOR_EMAIL || 'bench@example.invalid',
  };
}

/** Writes the isolated HOME's git config once (identity, branch name, the lfs filters clones need). */
function setupHome(cfg, env, available) {
  fs.mkdirSync(cfg.home, { recursive: true });
  if (fs.existsSync(path.join(cfg.home, '.gitconfig'))) return;
  const g = (...a) => run('git', ['config', '--global', ...a], { env });
  g('user.name', 'bench'); g('user.email', 'bench@example.invalid');
  g('init.defaultBranch', 'main'); g('advice.detachedHead', 'false');
  if (available.has('lfs')) run('git', ['lfs', 'install'], { env });
}

/** Which requested tools run here; a missing peer is skipped with an install hint, never a failure. */
function probeTools(cfg, tools, env) {
  const available = new Set();
  const versions = {};
  const missing = [];
  for (const name of cfg.peers) {
    const t = tools[name];
    const r = spawnSync('bash', ['-c', t.probe], { env, encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) {
      available.add(name);
      const v = spawnSync('bash', ['-c', t.version ?? t.probe], { env, encoding: 'utf8' });
      versions[name] = v.status === 0 ? v.stdout.trim().split('\n')[0].slice(0, 80) : 'unknown';
    } else missing.push(name);
  }
  for (const name of missing) {
    if (name === 'dv') log(`dv is not runnable (${cfg.dvBin} --help failed): run \`npm run build\`; benchmarking the peers only`);
    else log(`${TOOL_LABELS[name]} is not installed: skipping it (install the peers with: ${APT_HINT})`);
  }
  return { available, versions, missing };
}

// ---------------------------------------------------------------- data

const SCENARIO_NAMES = ['bigcsv', 'clustered', 'manyfiles', 'rows'];
const SCENARIO_TITLES = {
  bigcsv: 'bigcsv: one CSV, scattered 1% correction',
  clustered: 'bigcsv, clustered 1% correction (same rows touched, in 8 regions)',
  manyfiles: 'manyfiles: small CSV files, 1% edited + 0.5% added',
  rows: 'rows (dv only): dv validate with a ten-rule contract, dv diff --rows across the scattered 1% correction',
};

// ---------------------------------------------------------------- rows scenario (dv only)

/** The contract `dv validate` checks in the rows scenario: ten rules over the gen.mjs columns. */
const ROWS_DV_YAML = `keys:
  data/data.csv: id
contracts:
  data/data.csv:
    columns:
      id: { type: integer, nullable: false, unique: true }
      ts: { type: datetime }
      category: { allowed: [electronics, grocery, apparel, home, garden, toys, books, music, sports, automotive, beauty, health, office, pet, baby, tools, jewelry, shoes, outdoor, kitchen, furniture, software, games, crafts] }
      sku: { pattern: 'SKU-[0-9]{6}' }
      price: { type: number, min: 0 }
      qty: { max: 500 }
      status: { allowed: [ok, pending, refunded, cancelled, shipped] }
`;
const ROWS_TARGETS = { validateMBps: 150, diffSecs: 10, diffRssMb: 300 };

/**
 * The rows scenario: a dv repository holding v1 and then v2 (the scattered correction) of the big
 * CSV, committed untimed; then, timed, `dv validate` of v2's predecessor in the working tree and
 * `dv diff --rows HEAD~1 HEAD` (human form, keyed by id) with its peak RSS.
 */
async function runRowsScenario(ctx, rep) {
  const { cfg, env, res } = ctx;
  const data = ctx.data.rows;
  const R = path.join(cfg.work, 'runs', 'dv-rows');
  const W = path.join(R, 'work');
  removeTree(R);
  fs.mkdirSync(W, { recursive: true });
  const dv = `${q(process.execPath)} ${q(cfg.dvBin)}`;
  const tag = `dv/rows rep${rep}`;
  const op = async (name, cmd) => {
    const m = await timeOp(cfg, env, cmd);
    res.samples.push({ tool: 'dv', scen: 'rows', rep, op: name, ...m });
    log(`${tag} ${name}: ${fmtSecs(m.secs)} s, ${m.rssKb ? (m.rssKb / 1024).toFixed(0) : '?'} MB${m.rc ? `, FAILED rc=${m.rc}` : ''}`);
    if (m.rc !== 0) for (const l of m.outputTail ?? []) log(`${tag} ${name}|   ${l}`);
    return m;
  };
  try {
    run('cp', ['-a', data.v1, path.join(W, 'data')]);
    fs.writeFileSync(path.join(W, 'dv.yaml'), ROWS_DV_YAML);
    const setup = await op('setup', `cd ${q(W)} && ${dv} init >/dev/null && ${dv} add data dv.yaml >/dev/null && ${dv} commit -m v1 --no-verify >/dev/null`);
    if (setup.rc !== 0) return;
    await op('validate', `cd ${q(W)} && ${dv} validate`);
    applyCorrection(data, W);
    const c2 = await op('setup2', `cd ${q(W)} && ${dv} add data >/dev/null && ${dv} commit -m v2 --no-verify >/dev/null`);
    if (c2.rc !== 0) return;
    await op('diffrows', `cd ${q(W)} && ${dv} diff --rows HEAD~1 HEAD -- data/data.csv >/dev/null`);
  } finally {
    removeTree(R);
  }
}

/** The rows scenario's table: medians, rates and the targets they are held to. */
function renderRows(res, p) {
  const d = res.data.rows;
  const med = (op, key = 'secs') => median(res.samples.filter((s) => s.scen === 'rows' && s.op === op && s.rc === 0).map((s) => s[key]));
  const failed = (op) => res.samples.some((s) => s.scen === 'rows' && s.op === op && s.rc !== 0);
  const v = med('validate');
  const dr = med('diffrows');
  const drRss = med('diffrows', 'rssKb') / 1024;
  p();
  p(`## ${SCENARIO_TITLES.rows}`);
  p();
  p(`v1 ${fmtBytes(d.v1Bytes)}, v2 ${fmtBytes(d.v2Bytes)}${correctionText(d.gen.correct)}. Contract: ten rules (id integer, not null, unique; ts datetime; ` +
    'category and status allowed values; sku pattern; price number >= 0; qty <= 500).');
  p();
  p('| operation | dv | target | met |');
  p('|---|---:|---:|:---:|');
  const mbps = v > 0 ? d.v1Bytes / 1e6 / v : NaN;
  p(`| dv validate (s) | ${failed('validate') ? 'FAIL' : fmtSecs(v)} | | |`);
  p(`| dv validate (MB/s) | ${Number.isFinite(mbps) ? mbps.toFixed(0) : '–'} | ≥ ${ROWS_TARGETS.validateMBps} | ${mbps >= ROWS_TARGETS.validateMBps ? 'yes' : 'no'} |`);
  p(`| dv diff --rows HEAD~1 HEAD (s) | ${failed('diffrows') ? 'FAIL' : fmtSecs(dr)} | ≤ ${ROWS_TARGETS.diffSecs} | ${dr <= ROWS_TARGETS.diffSecs ? 'yes' : 'no'} |`);
  p(`| dv diff --rows peak RSS (MB) | ${Number.isFinite(drRss) ? drRss.toFixed(0) : '–'} | ≤ ${ROWS_TARGETS.diffRssMb} | ${drRss <= ROWS_TARGETS.diffRssMb ? 'yes' : 'no'} |`);
}

/** Runs gen.mjs and returns its JSON summary line. */
function gen(cfg, args) {
  const out = run(process.execPath, [path.join(cfg.benchDir, 'gen.mjs'), ...args]);
  return JSON.parse(out.trim().split('\n').pop());
}

/** Relative paths of every regular file under dir, sorted. */
function listFiles(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/** Byte comparison in-process: one `cmp` per file would cost minutes on 50,000 files. */
function sameFile(a, b) {
  if (!fs.existsSync(b) || fs.statSync(a).size !== fs.statSync(b).size) return false;
  const fa = fs.openSync(a, 'r'), fb = fs.openSync(b, 'r');
  const ba = Buffer.allocUnsafe(1 << 20), bb = Buffer.allocUnsafe(1 << 20);
  try {
    for (let pos = 0; ; pos += ba.length) {
      const n = fs.readSync(fa, ba, 0, ba.length, pos);
      if (n !== fs.readSync(fb, bb, 0, bb.length, pos) || !ba.subarray(0, n).equals(bb.subarray(0, n))) return false;
      if (n < ba.length) return true;
    }
  } finally { fs.closeSync(fa); fs.closeSync(fb); }
}

/** The correction as a list of paths under data/ to (re)write from v2, and paths to delete. */
function diffTrees(v1, v2) {
  const f1 = listFiles(v1), f2 = listFiles(v2);
  const in2 = new Set(f2);
  return {
    changed: f2.filter((p) => !sameFile(path.join(v2, p), path.join(v1, p))),
    deleted: f1.filter((p) => !in2.has(p)),
  };
}

/**
 * Generates (or reuses, per size) v1 and v2 of each scenario under $WORK/data/big<MB>-many<N>:
 * <scen>/v1/data, <scen>/v2/data and <scen>/meta.json (sizes, gen.mjs summaries, the correction's paths).
 * meta.json is written last, so a half-generated scenario is regenerated.
 */
function prepareData(cfg, scen) {
  if (scen === 'rows') return prepareData(cfg, 'bigcsv');
  const base = path.join(cfg.work, 'data', `big${cfg.bigMb}-many${cfg.manyFiles}`);
  const dir = path.join(base, scen);
  const metaFile = path.join(dir, 'meta.json');
  if (fs.existsSync(metaFile)) return { dir, ...JSON.parse(fs.readFileSync(metaFile, 'utf8')) };
  removeTree(dir);
  const v1 = path.join(dir, 'v1', 'data'), v2 = path.join(dir, 'v2', 'data');
  const genInfo = {};
  if (scen === 'manyfiles') {
    log(`generating manyfiles: ${cfg.manyFiles} files`);
    genInfo.v1 = gen(cfg, ['manyfiles', '--out', v1, '--files', String(cfg.manyFiles), '--seed', '1']);
    fs.mkdirSync(path.dirname(v2), { recursive: true });
    run('cp', ['-a', v1, v2]);
    genInfo.correct = gen(cfg, ['correct', '--target', v2, '--seed', '2']);
  } else {
    // clustered reuses bigcsv's v1 (same bytes), so generate that first
    const bigV1 = scen === 'clustered' ? prepareData(cfg, 'bigcsv').v1 : null;
    fs.mkdirSync(v1, { recursive: true }); fs.mkdirSync(v2, { recursive: true });
    if (bigV1) fs.linkSync(path.join(bigV1, 'data.csv'), path.join(v1, 'data.csv')); // never written: share it
    else {
      log(`generating bigcsv: ${cfg.bigMb} MiB`);
      genInfo.v1 = gen(cfg, ['bigcsv', '--out', path.join(v1, 'data.csv'), '--mb', String(cfg.bigMb), '--seed', '1']);
    }
    run('cp', ['-a', path.join(v1, 'data.csv'), path.join(v2, 'data.csv')]);
    const pattern = scen === 'clustered' ? ['--pattern', 'clustered'] : [];
    genInfo.correct = gen(cfg, ['correct', '--target', path.join(v2, 'data.csv'), '--seed', '2', ...pattern]);
  }
  const meta = { v1, v2, v1Bytes: duBytes([v1]).bytes, v2Bytes: duBytes([v2]).bytes, correction: diffTrees(v1, v2), gen: genInfo };
  fs.writeFileSync(metaFile, JSON.stringify(meta));
  return { dir, ...meta };
}

/** Makes W/data look like v2: changed and new files are rm'd and copied (a git-annex symlink becomes a
 *  regular file, as after `git annex unlock` + edit), deleted ones removed. As peers.sh apply_correction. */
function applyCorrection(data, W) {
  for (const p of data.correction.changed) {
    const dst = path.join(W, 'data', p);
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.rmSync(dst, { force: true });
    fs.copyFileSync(path.join(data.v2, p), dst);
  }
  for (const p of data.correction.deleted) fs.rmSync(path.join(W, 'data', p), { force: true });
}

/** Byte-for-byte comparison of the restored F/data with v1 (diff follows git-annex's symlinks). */
function verifyRestore(data, F) {
  return spawnSync('diff', ['-rq', data.v1, path.join(F, 'data')], { stdio: 'ignore' }).status === 0;
}

// ---------------------------------------------------------------- measurement

/** The last lines a failed op wrote to the log, so that a failure explains itself on stderr and in the JSON. */
function readTail(file, from, lines) {
  const fd = fs.openSync(file, 'r');
  const len = Math.min(fs.fstatSync(fd).size - from, 64 * 1024);
  const buf = Buffer.alloc(Math.max(0, len));
  fs.readSync(fd, buf, 0, buf.length, Math.max(from, fs.fstatSync(fd).size - buf.length));
  fs.closeSync(fd);
  return buf.toString('utf8').split('\n').filter((l) => l.trim()).slice(-lines);
}

// the op in progress: it runs in its own process group (for the timeout), so Ctrl-C must be passed on
let runningOp = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (runningOp) try { process.kill(-runningOp.pid, 'SIGKILL'); } catch { /* already gone */ }
    process.stderr.write(`bench: interrupted (${sig}); partial results are in the results JSON\n`);
    process.exit(130);
  });
}

/**
 * Runs one op under GNU time, after an untimed `sync` so that a previous step's dirty pages are not
 * charged to it. Wall time comes from the monotonic clock (GNU time's %e has 10 ms resolution, too
 * coarse for a no-change status); peak RSS is time's %M: the largest single process of the op.
 * The op runs in its own process group so that a timeout can kill everything it started.
 */
async function timeOp(cfg, env, cmd) {
  spawnSync('sync');
  const tf = path.join(cfg.work, `time.${process.pid}.txt`);
  const logFd = fs.openSync(cfg.logFile, 'a');
  fs.writeSync(logFd, `\n$ ${cmd}\n`);
  const logStart = fs.fstatSync(logFd).size;
  const t0 = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%e %M', '-o', tf, 'bash', '-c', cmd],
    { env, stdio: ['ignore', logFd, logFd], detached: true });
  runningOp = child;
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ } },
    cfg.opTimeoutSecs * 1000);
  const rc = await new Promise((resolve) => child.on('close', (code, sig) => resolve(code ?? (sig ? 128 : 1))));
  clearTimeout(timer);
  runningOp = null;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  fs.closeSync(logFd);
  // on a non-zero exit GNU time writes "Command exited with non-zero status N" first: take the last line
  const last = fs.existsSync(tf) ? fs.readFileSync(tf, 'utf8').trim().split('\n').pop() : '';
  fs.rmSync(tf, { force: true });
  const rssKb = Number(last.split(' ')[1]) || null;
  const m = { secs, rssKb, rc: timedOut ? 124 : rc, timedOut };
  if (m.rc !== 0) m.outputTail = readTail(cfg.logFile, logStart, 3);
  return m;
}

// ---------------------------------------------------------------- one pipeline

/**
 * One full pipeline of one tool on one scenario, in a fresh scratch dir, as peers.sh run_pipeline.
 * Appends samples to `res` and returns { slow, failed }: slow when an add/re-commit took at least
 * MAX_REP_SECS (no more reps), failed when an op failed or timed out (the rest of the pipeline is skipped).
 */
async function runPipeline(ctx, tool, scen, rep) {
  const { cfg, env, tools, res } = ctx;
  const data = ctx.data[scen];
  const t = tools[tool];
  const R = path.join(cfg.work, 'runs', `${tool}-${scen}`);
  const W = path.join(R, 'work');
  const a = { W, R, F: path.join(R, 'fresh') };
  removeTree(R);
  fs.mkdirSync(W, { recursive: true });
  run('cp', ['-a', data.v1, path.join(W, 'data')]);
  const tag = `${tool}/${scen} rep${rep}`;
  const state = { slow: false, failed: false };

  const op = async (name, cmdFn, { counts = false } = {}) => {
    const m = await timeOp(cfg, env, cmdFn(a));
    res.samples.push({ tool, scen, rep, op: name, ...m });
    log(`${tag} ${name}: ${fmtSecs(m.secs)} s, ${m.rssKb ? (m.rssKb / 1024).toFixed(0) : '?'} MB${m.rc ? `, FAILED rc=${m.rc}${m.timedOut ? ' (timeout)' : ''}` : ''}`);
    if (m.rc !== 0) { state.failed = true; for (const l of m.outputTail) log(`${tag} ${name}|   ${l}`); }
    if (counts && m.secs >= cfg.maxRepSecs) state.slow = true;
    return m;
  };
  const size = (what, paths) => {
    const s = duBytes(paths);
    res.sizes.push({ tool, scen, rep, what, ...s });
    log(`${tag} ${what}: ${fmtBytes(s.bytes)} (${(s.diskKb / 1024).toFixed(1)} MiB on disk)`);
  };
  // ops that are cheap to repeat (status, restore) run up to 3 times per pipeline, unless slow
  const repeat = async (fn) => { for (let i = 0; i < 3 && !state.failed; i++) if ((await fn()).secs >= cfg.maxRepSecs) break; };

  try {
    await op('init', t.init);
    if (!state.failed) await op('add', t.add, { counts: true });
    if (!state.failed && t.push) await op('push', t.push);
    if (state.failed) return state;
    size('store_after_add', t.store(a));
    await repeat(() => op('status', t.status));
    if (state.failed || (scen === 'manyfiles' && !cfg.manyFull)) return state;

    size('store_before_recommit', t.store(a));
    applyCorrection(data, W);
    await op('recommit', t.recommit, { counts: true });
    if (!state.failed && t.push) await op('push2', t.push);
    if (state.failed) return state;
    size('store_after_recommit', t.store(a));
    if (t.push) size('remote_after_push2', [path.join(R, 'remote.git')]);

    // Each rep restores into a directory of its own, set aside with R at the end (see
    // setAside): none follows the removal of the one before. On this ext4 (mounted with
    // discard) creating 50,000 files right after deleting as many costs the kernel 10-60 s
    // of system time, even for `cp -a`, which is the file system's doing and not the tool's.
    let restores = 0;
    await repeat(async () => {
      a.F = path.join(R, `fresh${++restores}`);
      fs.mkdirSync(a.F, { recursive: true }); // a fresh, empty directory
      const m = await op('restore', t.restore);
      const ok = m.rc === 0 && verifyRestore(data, a.F);
      res.verify.push({ tool, scen, rep, ok });
      if (!ok) { log(`${tag} restore: v1 NOT restored byte for byte`); state.failed = true; }
      return m;
    });
    return state;
  } finally {
    if (scen === 'manyfiles') setAside(cfg, R);
    else removeTree(R);
  }
}

// ---------------------------------------------------------------- summary

/** Medians per tool and scenario; a cell is a number, or a string saying why there is none. */
function summarize(res, scen, tool) {
  const samples = res.samples.filter((s) => s.scen === scen && s.tool === tool);
  const sizes = res.sizes.filter((s) => s.scen === scen && s.tool === tool);
  const v1Bytes = res.data[scen].v1Bytes;
  const secs = (op) => {
    const all = samples.filter((s) => s.op === op);
    if (all.some((s) => s.rc !== 0)) return all.some((s) => s.timedOut) ? 'timeout' : 'FAIL';
    return all.length ? median(all.map((s) => s.secs)) : null;
  };
  const sizeOf = (what) => median(sizes.filter((s) => s.what === what).map((s) => s.bytes));
  const growth = median(sizes.filter((s) => s.what === 'store_after_recommit').map((s) => {
    const before = sizes.find((b) => b.rep === s.rep && b.what === 'store_before_recommit');
    return s.bytes - before.bytes;
  }));
  const rssOps = ['add', 'status', 'recommit', 'restore'].map((op) =>
    median(samples.filter((s) => s.op === op && s.rc === 0 && s.rssKb).map((s) => s.rssKb)));
  const verify = res.verify.filter((v) => v.scen === scen && v.tool === tool);
  const storeAfterAdd = sizeOf('store_after_add');
  return {
    n: new Set(samples.map((s) => s.rep)).size,
    init: secs('init'), add: secs('add'), push: secs('push'), status: secs('status'),
    recommit: secs('recommit'), push2: secs('push2'), restore: secs('restore'),
    storeAfterAdd: Number.isNaN(storeAfterAdd) ? null : storeAfterAdd,
    storeAfterAddDiskKb: median(sizes.filter((s) => s.what === 'store_after_add').map((s) => s.diskKb)),
    growth: Number.isNaN(growth) ? null : growth,
    v1Bytes,
    peakRssMb: rssOps.some((x) => !Number.isNaN(x)) ? Math.max(...rssOps.filter((x) => !Number.isNaN(x))) / 1024 : null,
    verified: verify.length ? verify.every((v) => v.ok) : null,
  };
}

// rows of each scenario table: key into summarize()'s result, label, how to print a value
const pct = (s, b) => `${((b / s.v1Bytes) * 100).toFixed(1)}% (${fmtBytes(b)})`;
const ROWS = [
  { key: 'add', label: 'add + commit (s)', fmt: fmtSecs },
  { key: 'recommit', label: 're-commit after correction (s)', fmt: fmtSecs },
  { key: 'storeAfterAdd', label: 'store after add, % of data', fmt: (v, s) => pct(s, v) },
  { key: 'growth', label: 'store growth after correction, % of data', fmt: (v, s) => pct(s, v) },
  { key: 'restore', label: 'restore v1 into fresh dir (s)', fmt: fmtSecs },
  { key: 'status', label: 'no-change status (s)', fmt: fmtSecs },
  { key: 'peakRssMb', label: 'peak RSS (MB, max over ops)', fmt: (v) => v.toFixed(0) },
  { key: 'init', label: 'init (s)', fmt: fmtSecs },
];

/** "dv / best peer" for one row: lower is better for every row (time, bytes, memory). */
function ratioCell(row, sums, peers) {
  const dv = sums.dv?.[row.key];
  if (typeof dv !== 'number') return '–';
  const cands = peers.filter((p) => typeof sums[p]?.[row.key] === 'number');
  if (!cands.length) return '–';
  const best = cands.reduce((b, p) => (sums[p][row.key] < sums[b][row.key] ? p : b));
  const bv = sums[best][row.key];
  if (bv <= 0) return `– (${TOOL_LABELS[best]}: 0)`;
  return `${(dv / bv).toFixed(2)}× ${TOOL_LABELS[best]}`;
}

function cellText(row, sum) {
  if (!sum) return 'skipped';
  const v = sum[row.key];
  if (v === null || v === undefined) return '–'; // not reached: an earlier op failed, or not run (MANY_FULL=0)
  if (typeof v === 'string') return v;
  const txt = row.fmt(v, sum);
  // a restore that ran but did not give back v1 must not read as a result
  return row.key === 'restore' && sum.verified === false ? `${txt} WRONG` : txt;
}

/** What gen.mjs says its correction did, in words. */
function correctionText(c) {
  if (!c) return '';
  if (c.kind === 'correct-bigcsv') return ` (${c.edited} rows edited, ${c.deleted} deleted, ${c.inserted} inserted: ${c.touchedPct}% of ${c.rowsIn})`;
  if (c.kind === 'correct-manyfiles') return ` (${c.modified} files edited, ${c.added} added)`;
  return '';
}

/** The markdown report: one table per scenario, then the notes a reader needs to trust the ratios. */
function renderReport(ctx) {
  const { cfg, res } = ctx;
  const tools = cfg.peers.filter((p) => ctx.available.has(p));
  const peers = tools.filter((p) => p !== 'dv');
  const withDv = tools.includes('dv');
  const out = [];
  const p = (s = '') => out.push(s);
  p(`# dv benchmark${cfg.smoke ? ' (smoke)' : ''}`);
  p();
  p(`${res.machine.cpus}× ${res.machine.cpu}, ${res.machine.memGiB} GiB RAM, node ${process.version}, ${res.startedAt}. ` +
    `Median wall seconds over ${cfg.reps} rep(s) (status and restore: up to 3 per rep, each restore into a new directory, none removed until the tool's run ends); store = \`du -sb\` of the tool's store.`);
  for (const scen of cfg.scenarios) {
    const d = res.data[scen];
    if (!d) continue;
    if (scen === 'rows') { renderRows(res, p); continue; }
    const sums = Object.fromEntries(tools.map((t) => [t, res.summary[scen]?.[t]]));
    p();
    p(`## ${SCENARIO_TITLES[scen]}`);
    p();
    p(`v1 ${fmtBytes(d.v1Bytes)} in ${d.files} file(s); v2 ${fmtBytes(d.v2Bytes)}, ` +
      `${d.correction.changed} path(s) changed or added, ${d.correction.deleted} deleted${correctionText(d.gen.correct)}.`);
    p();
    const head = ['operation', ...tools.map((t) => TOOL_LABELS[t]), ...(withDv ? ['dv / best peer'] : [])];
    p(`| ${head.join(' | ')} |`);
    p(`|---|${head.slice(1).map(() => '---:').join('|')}|`);
    for (const row of ROWS) {
      const cells = tools.map((t) => cellText(row, sums[t]));
      p(`| ${[row.label, ...cells, ...(withDv ? [ratioCell(row, sums, peers)] : [])].join(' | ')} |`);
    }
    const line = (label, cells) => p(`| ${[label, ...cells, ...(withDv ? [''] : [])].join(' | ')} |`);
    line('restore == v1 byte for byte', tools.map((t) => (!sums[t] ? 'skipped' : sums[t].verified === null ? '–' : sums[t].verified ? 'ok' : 'WRONG')));
    line('reps (n)', tools.map((t) => (sums[t] ? String(sums[t].n) : 'skipped')));
    const lfs = sums.lfs;
    if (lfs && typeof lfs.push === 'number') {
      p();
      p(`git-lfs also pushes to a local \`file://\` remote (its restore clones from there): ` +
        `${fmtSecs(lfs.push)} s after add${typeof lfs.push2 === 'number' ? `, ${fmtSecs(lfs.push2)} s after re-commit` : ''}; not included above.`);
    }
    const sparse = tools.filter((t) => sums[t]?.storeAfterAdd && sums[t].storeAfterAddDiskKb * 1024 < sums[t].storeAfterAdd / 2);
    if (sparse.length) p(`\nSparse stores (on disk < half of apparent size): ${sparse.map((t) => `${TOOL_LABELS[t]} ${fmtBytes(sums[t].storeAfterAddDiskKb * 1024)} on disk`).join(', ')}.`);
  }
  p();
  p('Notes: `dv / best peer` divides dv\'s figure by the lowest peer figure of that row (below 1: dv is better). ' +
    'restic and borg have no status command: their "status" is a no-change backup, which writes a snapshot. ' +
    'Growth = store after re-commit − store before it. Peak RSS = GNU time `%M`, the largest single process of an op.');
  const vers = tools.map((t) => `${TOOL_LABELS[t]}: ${res.versions[t] ?? '?'}`).join('; ');
  p(`Tools: ${vers}.`);
  if (res.skipped.length) p(`Skipped: ${res.skipped.join('; ')}.`);
  p(`Raw samples: ${cfg.resultsFile}.`);
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------- main

function machineInfo() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? '?', cpus: cpus.length, memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release() };
}

function saveResults(ctx) {
  fs.writeFileSync(ctx.cfg.resultsFile, JSON.stringify({ config: ctx.cfg, ...ctx.res }, null, 1) + '\n');
}

/** Which (tool, scenario) pairs do not run at all, and why. */
function skipReason(cfg, tool, scen) {
  if (tool === 'annex' && scen === 'manyfiles' && !cfg.annexMany) return 'git-annex on manyfiles (~6 ms per file; ANNEX_MANY=1 runs it)';
  return null;
}

async function main() {
  const cfg = readConfig(process.argv.slice(2), process.env);
  if (!fs.existsSync('/usr/bin/time')) { process.stderr.write('bench: GNU time is missing: apt-get install -y time\n'); process.exit(1); }
  if (!fs.existsSync(path.join(cfg.benchDir, 'gen.mjs'))) { process.stderr.write(`bench: no gen.mjs in ${cfg.benchDir} (set BENCH_DIR)\n`); process.exit(1); }
  fs.mkdirSync(cfg.work, { recursive: true });
  removeTree(asideDir(cfg)); // left by a run that was stopped
  const env = toolEnv(cfg);
  const tools = defineTools(cfg);
  const { available, versions, missing } = probeTools(cfg, tools, env);
  setupHome(cfg, env, available);
  const res = {
    startedAt: new Date().toISOString(), machine: machineInfo(), versions,
    data: {}, samples: [], sizes: [], verify: [], summary: {},
    skipped: missing.map((m) => `${TOOL_LABELS[m]} (${m === 'dv' ? 'bin/dv not runnable' : 'not installed'})`),
  };
  const ctx = { cfg, env, tools, available, res, data: {} };
  log(`work dir ${cfg.work}; tools: ${[...available].join(' ') || 'none'}; scenarios: ${cfg.scenarios.join(' ')}; reps ${cfg.reps}`);

  // all data first: generating it is not part of any measurement
  for (const scen of cfg.scenarios) {
    const data = prepareData(cfg, scen);
    ctx.data[scen] = data;
    res.data[scen] = { v1Bytes: data.v1Bytes, v2Bytes: data.v2Bytes, files: listFiles(data.v1).length,
      correction: { changed: data.correction.changed.length, deleted: data.correction.deleted.length }, gen: data.gen };
  }
  for (const scen of cfg.scenarios) {
    if (scen === 'rows') {
      if (!available.has('dv')) { res.skipped.push('rows scenario (dv not runnable)'); continue; }
      for (let rep = 1; rep <= cfg.reps; rep++) { log(`=== dv rows rep ${rep}/${cfg.reps}`); await runRowsScenario(ctx, rep); saveResults(ctx); }
      continue;
    }
    const active = cfg.peers.filter((t) => available.has(t) && !skipReason(cfg, t, scen));
    for (const t of cfg.peers.filter((t) => available.has(t) && skipReason(cfg, t, scen))) res.skipped.push(skipReason(cfg, t, scen));
    // interleave tools rep by rep, so drift of the machine's speed hits every tool alike
    const done = new Set();
    for (let rep = 1; rep <= cfg.reps; rep++) {
      for (const tool of active.filter((t) => !done.has(t))) {
        log(`=== ${tool} ${scen} rep ${rep}/${cfg.reps}`);
        const st = await runPipeline(ctx, tool, scen, rep);
        if (st.failed) { done.add(tool); log(`${tool}/${scen}: an op failed; no more reps`); }
        else if (st.slow && rep < cfg.reps) { done.add(tool); log(`${tool}/${scen}: add/re-commit took >= ${cfg.maxRepSecs} s; no more reps`); }
        saveResults(ctx);
      }
    }
    res.summary[scen] = Object.fromEntries(active.map((t) => [t, summarize(res, scen, t)]));
    saveResults(ctx);
  }
  let remoteReport = '';
  if (cfg.remote && available.has('dv') && ctx.data.bigcsv) {
    const { benchRemotes } = await import('./bench-remote.mjs');
    const big = ctx.data.bigcsv;
    const r = await benchRemotes({ dvBin: cfg.dvBin, work: path.join(cfg.work, 'remote'), v1Csv: path.join(big.v1, 'data.csv'), v2Csv: path.join(big.v2, 'data.csv'), negFiles: cfg.negFiles, genScript: path.join(cfg.benchDir, 'gen.mjs'), log });
    res.remote = r.results;
    remoteReport = '\n' + r.markdown;
  }
  res.finishedAt = new Date().toISOString();
  saveResults(ctx);
  removeTree(asideDir(cfg));
  process.stdout.write(renderReport(ctx) + remoteReport);
  if (cfg.pipeline) {
    const { runPipelineBench } = await import('./bench-pipeline.mjs');
    const big = ctx.data.bigcsv ?? prepareData(cfg, 'bigcsv');
    process.stdout.write('\n' + await runPipelineBench(cfg, path.join(big.v1, 'data.csv'), path.join(big.v2, 'data.csv')));
  }
  log(`done; raw results in ${cfg.resultsFile}, tool output in ${cfg.logFile}`);
}

main().catch((e) => { process.stderr.write(`bench: ${e.stack || e}\n`); process.exit(1); });
