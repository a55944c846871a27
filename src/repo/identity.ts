import { execFileSync } from 'node:child_process';

export interface Identity { name: string; email: string }

/** Author identity: DV_AUTHOR_NAME / DV_AUTHOR_EMAIL, else git's user.name / user.email. */
export function readIdentity(cwd: string, env: NodeJS.ProcessEnv = process.env): Identity {
  const git = env.DV_AUTHOR_NAME && env.DV_AUTHOR_EMAIL ? new Map<string, string>() : gitUser(cwd);
  const name = env.DV_AUTHOR_NAME || git.get('user.name') || env.USER || 'unknown';
  const email = env.DV_AUTHOR_EMAIL || git.get('user.email') || `${name}@localhost`;
  return { name, email };
}

/**
 * git's user.name and user.email, asked in one run of git (each run costs a few ms):
 * `--get-regexp` lists every value in git's order, and the last one wins, as with `--get`.
 */
function gitUser(cwd: string): Map<string, string> {
  const out = new Map<string, string>();
  try {
    const text = execFileSync('git', ['config', '--get-regexp', '^user\\.(name|email)$'], { cwd, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' });
    for (const line of text.split('\n')) {
      const space = line.indexOf(' ');
      const value = space < 0 ? '' : line.slice(space + 1).trim();
      if (value) out.set(line.slice(0, space), value);
    }
  } catch {
    // No git, or neither is set: the fallbacks serve.
  }
  return out;
}
