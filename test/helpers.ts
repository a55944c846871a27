import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const DV = path.join(ROOT, 'bin', 'dv');

export interface RunResult { code: number; stdout: string; stderr: string }

/** Fixed identity and time so ids are reproducible across runs. */
export const TEST_ENV: NodeJS.ProcessEnv = {
  DV_AUTHOR_NAME: 'Test User',
  DV_AUTHOR_EMAIL: 'test@example.com',
};

/** Runs the real `bin/dv` and returns its exit code and output. */
export function dv(cwd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): RunResult {
  const r = spawnSync(process.execPath, [DV, ...args], {
    cwd,
    env: { ...process.env, ...TEST_ENV, ...opts.env },
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs the real `bin/dv` without blocking this process: for races, and for servers that
 * run inside the test process (spawnSync would stop them from answering). `started`
 * gets the child process (to signal it).
 */
export function dvAsync(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}, started?: (child: ChildProcess) => void): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DV, ...args], { cwd, env: { ...process.env, ...TEST_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    started?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs dv and fails the test unless it exits 0; returns stdout. */
export function dvOk(cwd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): string {
  const r = dv(cwd, args, opts);
  if (r.code !== 0) throw new Error(`dv ${args.join(' ')} exited ${r.code}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const tmpDirs: string[] = [];

/** A fresh temporary directory, removed when the process exits. */
export function tmpDir(prefix = 'dv-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // One exit listener for them all (one each set off Node's too-many-listeners warning).
  if (tmpDirs.length === 0) process.on('exit', () => { for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true }); });
  tmpDirs.push(d);
  return d;
}

/** Writes files from an object literal (path → content) under `dir`. */
export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [p, content] of Object.entries(files)) {
    const abs = path.join(dir, p);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
}

/** A new repository with the given files written (not added). */
export function makeRepo(files: Record<string, string | Buffer> = {}): string {
  const dir = tmpDir();
  dvOk(dir, ['init']);
  writeFiles(dir, files);
  return dir;
}

/** A snapshot of the repository's store files, to check a failed command left it untouched. */
export function storeSnapshot(dir: string): string {
  const r = dv(dir, ['rev-parse', 'HEAD']);
  const s = dv(dir, ['status', '--json']);
  return JSON.stringify({ head: r.stdout, status: s.stdout });
}

/** The spec's deterministic input (spec/chunking.md): low byte of each successive xorshift32 state. */
export function specInput(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    b[i] = s & 0xff;
  }
  return b;
}

/** About 24 MiB of CSV (800,000 rows): a file large enough to be read on other threads. */
export function bigCsv(seed: number): Buffer {
  const rows: string[] = ['id,station,reading,note'];
  let s = seed;
  for (let i = 0; i < 800_000; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    rows.push(`${i},st${s % 211},${s % 99991},n${(s >>> 8).toString(36)}`);
  }
  return Buffer.from(rows.join('\n') + '\n');
}

/** A new repository in which each of `versions` of the file at `file` was added and committed in turn (messages v1, v2, …). */
export function repoWithVersions(file: string, versions: Array<string | Buffer>): string {
  const dir = makeRepo();
  versions.forEach((content, i) => {
    writeFiles(dir, { [file]: content });
    dvOk(dir, ['add', '.']);
    dvOk(dir, ['commit', '-m', `v${i + 1}`]);
  });
  return dir;
}

/** Flips a byte in the middle of every pack file of the repository at `dir` (a damaged store). */
export function corruptPacks(dir: string): void {
  const packs = path.join(dir, '.dv', 'packs');
  for (const f of fs.readdirSync(packs)) {
    const p = path.join(packs, f);
    const b = fs.readFileSync(p);
    b[b.length >> 1]! ^= 0xff;
    fs.writeFileSync(p, b);
  }
}
