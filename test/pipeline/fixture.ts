import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { dv, dvOk, tmpDir, writeFiles } from '../helpers.js';

/** Runs git in `dir` with a fixed identity. */
export function git(dir: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir, encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Code', GIT_AUTHOR_EMAIL: 'code@example.com', GIT_COMMITTER_NAME: 'Code', GIT_COMMITTER_EMAIL: 'code@example.com' },
  });
}

/**
 * A git repository holding code (scripts, dv.yaml) with a dv repository at its root;
 * data directories and `.dv` are ignored by git, as a project would set it up.
 */
export function makeProject(files: Record<string, string | Buffer>, opts: { gitignore?: string } = {}): string {
  const dir = tmpDir('dv-pipe-');
  git(dir, ['init', '-q', '-b', 'main']);
  writeFiles(dir, { '.gitignore': opts.gitignore ?? '.dv/\ndata/\n', ...files });
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'code']);
  dvOk(dir, ['init']);
  return dir;
}

/** A node script that counts its runs in `runs.log` next to dv.yaml (outside every stage's outputs). */
export const COUNTING_DOUBLE = `import fs from 'node:fs';
const [inp, out] = process.argv.slice(2);
fs.appendFileSync('runs.log', 'double\\n');
const lines = fs.readFileSync(inp, 'utf8').trim().split('\\n');
fs.writeFileSync(out, lines.map((l, i) => i === 0 ? l : l.split(',').map((x, j) => j === 0 ? x : String(Number(x) * 2)).join(',')).join('\\n') + '\\n');
`;

/** How many times scripts logged a run. */
export function runCount(dir: string): number {
  const f = path.join(dir, 'runs.log');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).length : 0;
}

/** Parses `dv … --json`. */
export function dvJson<T = any>(dir: string, args: string[], env?: NodeJS.ProcessEnv): T {
  const r = dv(dir, [args[0]!, '--json', ...args.slice(1)], { env });
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`dv ${args.join(' ')} --json printed no JSON (exit ${r.code})\n${r.stderr}${r.stdout}`);
  }
}

/** Reads a file of the working tree. */
export function read(dir: string, p: string): string {
  return fs.readFileSync(path.join(dir, p), 'utf8');
}
