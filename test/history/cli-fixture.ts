import assert from 'node:assert/strict';
import { openRepository } from '../../src/repo/index.js';
import type { Repository } from '../../src/repo/index.js';
import type { Oid } from '../../src/hash/index.js';
import { dv, dvOk, tmpDir } from '../helpers.js';
import { commitOn } from './fixtures.js';

/**
 * A repository made with the real `dv init`, then given history directly through the
 * library (so these tests do not depend on add/commit), and closed again before any
 * `dv` process runs.
 */
export async function buildRepo<T>(build: (repo: Repository) => T): Promise<{ dir: string } & T> {
  const dir = tmpDir('dv-hist-cli-');
  dvOk(dir, ['init']);
  const repo = openRepository(dir);
  try {
    return { dir, ...build(repo) };
  } finally {
    await repo.close();
  }
}

/** main: c1 — c2 — c3 — m, side: c2 — s1 merged at m. */
export function standardHistory(repo: Repository): { c1: Oid; c2: Oid; c3: Oid; s1: Oid; m: Oid } {
  const c1 = commitOn(repo, { 'data/a.csv': 'id,v\n1,a\n', 'readme.txt': 'hello\n' }, 'Import upstream');
  const c2 = commitOn(repo, { 'data/a.csv': 'id,v\n1,a\n2,b\n', 'readme.txt': 'hello\n' }, 'Add row 2\n\nUpstream added a row.');
  repo.refs.update({ name: 'refs/heads/side', new: c2, expect: null, message: 'branch: created' });
  const s1 = commitOn(repo, { 'data/a.csv': 'id,v\n1,a\n2,b\n', 'readme.txt': 'hello\n', 'data/side.csv': 's\n' }, 'Side data', 'side');
  const c3 = commitOn(repo, { 'data/a.csv': 'id,v\n1,A\n2,b\n', 'readme.txt': 'hello\n' }, 'Fix row 1');
  const m = commitOn(repo, { 'data/a.csv': 'id,v\n1,A\n2,b\n', 'readme.txt': 'hello\n', 'data/side.csv': 's\n' }, 'Merge side', 'main', [s1]);
  return { c1, c2, c3, s1, m };
}

/** Everything a refused ref command could have touched: refs, HEAD and its reflog. */
export function refsSnapshot(dir: string): string {
  const run = (args: string[]) => { const r = dv(dir, args); return `${r.code}:${r.stdout}`; };
  return JSON.stringify([
    run(['rev-parse', 'HEAD']), run(['rev-parse', '--abbrev-ref', 'HEAD']), run(['branch', '-a', '--json']),
    run(['tag', '--json']), run(['reflog', '--json']), run(['reflog', 'main', '--json']),
  ]);
}

/** Asserts a failure: exit code, nothing on stdout, and stderr's first line is `dv: <message>`. */
export function expectFailure(r: { code: number; stderr: string; stdout: string }, code: number, message: string | RegExp): void {
  const first = r.stderr.split('\n')[0] ?? '';
  const detail = `exit ${r.code}\nstderr: ${r.stderr}\nstdout: ${r.stdout}`;
  assert.equal(r.code, code, detail);
  if (typeof message === 'string') assert.equal(first, `dv: ${message}`, detail);
  else assert.match(first, message, detail);
  assert.equal(r.stdout, '', detail);
}
