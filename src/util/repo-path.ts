import path from 'node:path';
import { InvalidInputError } from '../errors/index.js';

declare const repoPathBrand: unique symbol;
/** A normalised path inside the repository: forward slashes, no `.`/`..`, no leading slash; '' is the root. */
export type RepoPath = string & { readonly [repoPathBrand]: true };

/** Validates a repository-relative path (as found in trees, bundles, user input after resolution). */
export function parseRepoPath(text: string): RepoPath {
  if (text === '' || text === '.') return '' as RepoPath;
  if (text.includes('\0')) throw new InvalidInputError(`path contains a NUL byte: ${JSON.stringify(text)}`);
  if (text.startsWith('/') || /^[A-Za-z]:[\\/]/.test(text)) {
    throw new InvalidInputError(`absolute path not allowed: ${text}`);
  }
  const parts = text.split('/').filter((p) => p !== '' && p !== '.');
  for (const p of parts) {
    if (p === '..') throw new InvalidInputError(`path escapes the repository: ${text}`);
    if (p === '.dv') throw new InvalidInputError(`path inside .dv is not allowed: ${text}`);
  }
  return parts.join('/') as RepoPath;
}

/** Validates one tree entry name. */
export function isValidEntryName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && name !== '.dv' && !name.includes('/') && !name.includes('\0');
}

/** Turns a path given on the command line (relative to cwd) into a RepoPath under `root`. */
export function toRepoPath(root: string, cwd: string, userPath: string): RepoPath {
  const abs = path.resolve(cwd, userPath);
  const rel = path.relative(root, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new InvalidInputError(`path is outside the repository: ${userPath}`, { data: { path: userPath, root } });
  }
  return parseRepoPath(rel.split(path.sep).join('/'));
}

/** Joins a parent RepoPath and a child name. */
export function joinRepoPath(parent: RepoPath | string, name: string): RepoPath {
  return (parent === '' ? name : `${parent}/${name}`) as RepoPath;
}

/** True when `p` equals `prefix` or lies under it. */
export function isUnder(p: string, prefix: string): boolean {
  return prefix === '' || p === prefix || p.startsWith(prefix + '/');
}

/** The directories holding `p`, nearest first, ending with the root (''). */
export function* parentDirs(p: RepoPath | string): Generator<RepoPath> {
  for (let at = p.lastIndexOf('/'); at > 0; at = p.lastIndexOf('/', at - 1)) yield p.slice(0, at) as RepoPath;
  yield '' as RepoPath;
}
