import { execFileSync } from 'node:child_process';

export interface Identity { name: string; email: string }

/** Author identity: DV_AUTHOR_NAME / DV_AUTHOR_EMAIL, else git's user.name / user.email. */
export function readIdentity(cwd: string, env: NodeJS.ProcessEnv = process.env): Identity {
  const name = env.DV_AUTHOR_NAME || gitConfig(cwd, 'user.name') || env.USER || 'unknown';
  const email = env.DV_AUTHOR_EMAIL || gitConfig(cwd, 'user.email') || `${name}@localhost`;
  return { name, email };
}

function gitConfig(cwd: string, key: string): string | undefined {
  try {
    const out = execFileSync('git', ['config', '--get', key], { cwd, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}
