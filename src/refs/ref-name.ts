import { InvalidInputError } from '../errors/index.js';

export const HEAD = 'HEAD';
export const BRANCH_PREFIX = 'refs/heads/';
export const TAG_PREFIX = 'refs/tags/';
export const REMOTE_PREFIX = 'refs/remotes/';

/**
 * Checks a short branch or tag name with git's rules (no `..`, no control characters,
 * no ` ~^:?*[\`, no leading `-` or `/`, no trailing `/` or `.lock`, no `@{`).
 */
export function parseShortRefName(name: string, what = 'ref'): string {
  const bad =
    name === '' || name === '@' || name === 'HEAD' ||
    name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.') ||
    name.endsWith('.lock') || name.includes('..') || name.includes('//') || name.includes('@{') ||
    /[\x00-\x20\x7f~^:?*[\\]/.test(name) ||
    name.split('/').some((part) => part.startsWith('.') || part === '');
  if (bad) throw new InvalidInputError(`invalid ${what} name: ${JSON.stringify(name)}`, { data: { name } });
  return name;
}

export function branchRef(name: string): string { return BRANCH_PREFIX + parseShortRefName(name, 'branch'); }
export function tagRef(name: string): string { return TAG_PREFIX + parseShortRefName(name, 'tag'); }

/** The short form of a full ref name (refs/heads/main → main). */
export function shortRefName(full: string): string {
  for (const p of [BRANCH_PREFIX, TAG_PREFIX, REMOTE_PREFIX]) if (full.startsWith(p)) return full.slice(p.length);
  return full;
}
