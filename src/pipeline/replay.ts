import fs from 'node:fs';
import path from 'node:path';
import { NotFoundError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { resolveCommit } from '../history/index.js';
import { exportGitTree, findGitRepository } from '../provenance/index.js';
import type { Repository } from '../repo/index.js';
import { parseRepoPath, type RepoPath } from '../util/index.js';
import { buildTree, hashWorktreeFile, HASH_ONLY_SINK, Materializer, scanWorktree, statPath } from '../worktree/index.js';
import { executeCommand } from './execute-command.js';
import { makeScratchDir, outputLeaves } from './outputs.js';
import { readRunRecord, type RunRecord } from './run-record.js';
import { fileChunks, lines } from './rows.js';

export interface ReplayOptions {
  rev: string;
  /** Check the recorded code commit out of the git repository into the scratch directory first. */
  code?: boolean;
  /** Keep the scratch directories (their paths are in the result). */
  keep?: boolean;
  signal?: AbortSignal;
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  onRun?: (run: RunRecord) => void;
}

/** A line where a replayed CSV/JSONL output first differs from the recorded one (1-based; null: the file ended). */
export interface RowDifference { line: number; recorded: string | null; actual: string | null }

export interface ReplayedOutput {
  path: string;
  recorded: Oid;
  /** The replayed content id, or null when the command did not create it. */
  actual: Oid | null;
  /** Files under a directory output that differ. */
  files?: string[];
  rows?: RowDifference[];
}

export interface ReplayedRun {
  run: Oid;
  stage: string;
  partition?: string;
  status: 'reproduced' | 'diverged' | 'not-replayable';
  reason?: string;
  /** The last lines of a failed command's stderr. */
  stderrTail?: string;
  outputs: ReplayedOutput[];
  scratch?: string;
}

export interface ReplayResult {
  commit: Oid;
  runs: ReplayedRun[];
  /** True when every run reproduced bit for bit. */
  ok: boolean;
}

const MAX_ROW_DIFFS = 3;

/**
 * Re-runs a commit's recorded runs, each in its own scratch directory holding exactly
 * the inputs it recorded (by id, from the store; with `code`, on top of the recorded
 * git commit's files), with its recorded command, params files and seed, and compares
 * every output with the recorded id. The working tree and the repository are not changed.
 */
export async function replay(repo: Repository, opts: ReplayOptions): Promise<ReplayResult> {
  const commit = resolveCommit(repo, opts.rev);
  const ids = repo.objects.readCommit(commit).meta.runs ?? [];
  if (ids.length === 0) {
    throw new NotFoundError(`${opts.rev} has no recorded runs`, { hint: 'commit the outputs of `dv repro` (or `dv run`) to record the runs that made them' });
  }
  const root = repo.worktree();
  const git = opts.code ? await findGitRepository(root) : null;
  if (opts.code && !git) throw new NotFoundError('--code needs the working tree to be inside a git repository', { hint: 'replay without --code' });
  const runs: ReplayedRun[] = [];
  for (const id of ids) {
    if (opts.signal?.aborted) break;
    runs.push(await replayRun(repo, id, git ? { gitDir: git.dir, rootInGit: path.relative(git.dir, root) } : null, opts));
  }
  return { commit, runs, ok: runs.length === ids.length && runs.every((r) => r.status === 'reproduced') };
}

async function replayRun(repo: Repository, id: Oid, code: { gitDir: string; rootInGit: string } | null, opts: ReplayOptions): Promise<ReplayedRun> {
  const run = readRunRecord(repo, id);
  opts.onRun?.(run);
  const base = { run: id, stage: run.stage, partition: run.partition };
  const scratch = makeScratchDir(repo, 'replay');
  const work = code ? path.join(scratch, 'tree', code.rootInGit) : path.join(scratch, 'tree');
  fs.mkdirSync(work, { recursive: true });
  const notReplayable = (reason: string): ReplayedRun => ({ ...base, status: 'not-replayable', reason, outputs: [] });
  try {
    if (code) {
      if (!run.code?.commit) return notReplayable('the run recorded no git commit');
      await exportGitTree(code.gitDir, run.code.commit, path.join(scratch, 'tree'));
    }
    const m = new Materializer(repo.objects, work);
    for (const [p, oid] of Object.entries({ ...run.deps, ...run.paramsFiles })) {
      if (!repo.objects.has(oid)) return notReplayable(`input ${p} (${oid.slice(0, 12)}) is not in the store`);
      for (const leaf of outputLeaves(repo, parseRepoPath(p), oid)) m.write(leaf);
    }
    const env: NodeJS.ProcessEnv = { ...process.env, DV_STAGE: run.stage };
    if (run.seed !== null) env.DV_SEED = run.seed; else delete env.DV_SEED;
    if (run.io) { env.DV_IN = run.io.in; env.DV_OUT = run.io.out; }
    for (const out of Object.keys(run.outs)) fs.mkdirSync(path.dirname(path.join(work, out)), { recursive: true });
    const r = await executeCommand({
      cmd: run.cmd, cwd: work, env, stdoutFile: path.join(scratch, 'stdout'), stderrFile: path.join(scratch, 'stderr'),
      onOutput: opts.onOutput, signal: opts.signal,
    });
    if (r.exit !== 0) {
      return { ...notReplayable(`command failed (${r.exit !== null ? `exit ${r.exit}` : r.signal})`), stderrTail: r.stderrTail.trimEnd().split('\n').slice(-10).join('\n') };
    }
    const outputs: ReplayedOutput[] = [];
    for (const [p, recorded] of Object.entries(run.outs)) outputs.push(await compareOutput(repo, work, p as RepoPath, recorded));
    const diverged = outputs.some((o) => o.actual !== o.recorded);
    return { ...base, status: diverged ? 'diverged' : 'reproduced', outputs, scratch: opts.keep ? scratch : undefined };
  } finally {
    if (!opts.keep) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function compareOutput(repo: Repository, work: string, out: RepoPath, recorded: Oid): Promise<ReplayedOutput> {
  const abs = path.join(work, out);
  const st = statPath(abs);
  if (st === undefined) return { path: out, recorded, actual: null };
  if (st !== 'dir') {
    const actual = hashWorktreeFile(abs, st.kind, out);
    const res: ReplayedOutput = { path: out, recorded, actual };
    if (actual !== recorded && isRowFile(out) && repo.objects.has(recorded)) res.rows = firstRowDifferences(repo, recorded, abs);
    return res;
  }
  const files = scanWorktree(work, out, { ignores: () => false, userRules: false });
  const leaves = new Map([...files].map(([p, s]) => [p, { id: hashWorktreeFile(path.join(work, p), s.kind, p), kind: s.kind, size: s.size }]));
  const actual = buildTree(HASH_ONLY_SINK, [...leaves].map(([p, l]) => [p.slice(out.length + 1) as RepoPath, l])).id;
  const res: ReplayedOutput = { path: out, recorded, actual };
  if (actual !== recorded && repo.objects.has(recorded)) {
    const want = new Map(outputLeaves(repo, out, recorded).map((l) => [l.path as string, l.id]));
    const differ = [...new Set([...want.keys(), ...leaves.keys()])].filter((p) => want.get(p) !== leaves.get(p as RepoPath)?.id).sort();
    res.files = differ;
    const first = differ.find((p) => isRowFile(p) && want.has(p) && leaves.has(p as RepoPath));
    if (first) res.rows = firstRowDifferences(repo, want.get(first)!, path.join(work, first));
  }
  return res;
}

function isRowFile(p: string): boolean {
  return /\.(csv|tsv|jsonl|ndjson)$/i.test(p);
}

/** The first lines where two row files differ. */
function firstRowDifferences(repo: Repository, recorded: Oid, actualFile: string): RowDifference[] {
  const a = lines(repo.objects.readContentSync(recorded));
  const b = lines(fileChunks(actualFile));
  const out: RowDifference[] = [];
  for (let line = 1; out.length < MAX_ROW_DIFFS; line++) {
    const x = a.next();
    const y = b.next();
    if (x.done && y.done) break;
    const rec = x.done ? null : x.value;
    const act = y.done ? null : y.value;
    if (rec !== act) out.push({ line, recorded: rec, actual: act });
  }
  a.return(undefined); // closes the file
  b.return(undefined);
  return out;
}
