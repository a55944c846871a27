import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readIdentity } from '../../src/repo/identity.js';

/** A git repository under a home of its own, so the machine's git settings stay out. */
function gitHome(): { home: string; repo: string; env: NodeJS.ProcessEnv } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dv-identity-'));
  const repo = path.join(home, 'work');
  fs.mkdirSync(repo);
  const env = { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1', PATH: process.env.PATH, USER: 'shell-user' };
  execFileSync('git', ['init', '-q', repo], { env });
  return { home, repo, env };
}

test('identity: git\'s user.name and user.email, the repository\'s settings over the global ones', () => {
  const { home, repo, env } = gitHome();
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env });
  git('config', '--global', 'user.name', 'Global Name');
  git('config', '--global', 'user.email', 'global@example.com');
  git('config', 'user.name', 'Local  Name');
  // The child git reads HOME from this process's environment.
  const saved = { HOME: process.env.HOME, XDG: process.env.XDG_CONFIG_HOME, NOSYS: process.env.GIT_CONFIG_NOSYSTEM };
  Object.assign(process.env, { HOME: home, XDG_CONFIG_HOME: env.XDG_CONFIG_HOME, GIT_CONFIG_NOSYSTEM: '1' });
  try {
    assert.deepEqual(readIdentity(repo, { USER: 'shell-user' }), { name: 'Local  Name', email: 'global@example.com' });
    assert.deepEqual(readIdentity(repo, { USER: 'shell-user', DV_AUTHOR_NAME: 'Env Name' }), { name: 'Env Name', email: 'global@example.com' });
    assert.deepEqual(readIdentity(repo, { DV_AUTHOR_NAME: 'A', DV_AUTHOR_EMAIL: 'a@b' }), { name: 'A', email: 'a@b' });
    git('config', '--global', '--unset', 'user.email');
    git('config', '--unset', 'user.name');
    assert.deepEqual(readIdentity(repo, { USER: 'shell-user' }), { name: 'Global Name', email: 'Global Name@localhost' });
    git('config', '--global', '--unset', 'user.name');
    assert.deepEqual(readIdentity(repo, { USER: 'shell-user' }), { name: 'shell-user', email: 'shell-user@localhost' });
  } finally {
    for (const [k, v] of [['HOME', saved.HOME], ['XDG_CONFIG_HOME', saved.XDG], ['GIT_CONFIG_NOSYSTEM', saved.NOSYS]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    fs.rmSync(home, { recursive: true, force: true });
  }
});
