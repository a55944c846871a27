import path from 'node:path';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/index.js';
import { REMOTE_PREFIX, parseShortRefName } from '../refs/index.js';
import type { Repository } from '../repo/index.js';

/** A named remote as stored in the repository's config database (key `remote.NAME`). */
export interface RemoteConfig {
  name: string;
  url: string;
  /** A partial clone: file content is fetched when a checkout needs it. */
  partial?: boolean;
}

const KEY_PREFIX = 'remote.';

/** Whether a remote location is a URL (`http://…`, `s3://…`) rather than a path. */
export function isRemoteUrl(where: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(where);
}

/** A remote's URL as given, or a local path made absolute (the repository may be used from elsewhere). */
export function remoteLocation(where: string): string {
  return isRemoteUrl(where) ? where : path.resolve(where);
}

/** Adds a remote; refuses a name already in use. */
export function addRemote(repo: Repository, name: string, url: string, opts: { partial?: boolean } = {}): RemoteConfig {
  parseShortRefName(name, 'remote');
  if (name.includes('/')) throw new InvalidInputError(`invalid remote name: ${JSON.stringify(name)} (no '/')`);
  if (url.trim() === '') throw new InvalidInputError('a remote needs a URL');
  if (readRemote(repo, name)) throw new ConflictError(`remote '${name}' already exists`, { hint: `remove it first with \`dv remote remove ${name}\`` });
  const remote: RemoteConfig = { name, url, ...(opts.partial ? { partial: true } : {}) };
  repo.setConfig(KEY_PREFIX + name, remote);
  return remote;
}

/**
 * Points a remote at another URL (the server moved), keeping its remote-tracking refs and
 * whether it is a partial clone's remote, which removing and adding it again would lose.
 */
export function setRemoteUrl(repo: Repository, name: string, url: string): RemoteConfig {
  const remote = requireRemote(repo, name);
  if (url.trim() === '') throw new InvalidInputError('a remote needs a URL');
  const updated: RemoteConfig = { ...remote, url };
  repo.setConfig(KEY_PREFIX + name, updated);
  return updated;
}

/** The remote of that name, or undefined. */
export function readRemote(repo: Repository, name: string): RemoteConfig | undefined {
  const v = repo.getConfig<RemoteConfig>(KEY_PREFIX + name);
  return v && typeof v.url === 'string' ? { ...v, name } : undefined;
}

/** The remote of that name; NotFoundError naming the remotes there are otherwise. */
export function requireRemote(repo: Repository, name: string): RemoteConfig {
  const r = readRemote(repo, name);
  if (r) return r;
  const names = listRemotes(repo).map((x) => x.name);
  // A URL or path where a name belongs: say how to name it (remotes are used by name).
  const where = isRemoteUrl(name) || name.includes('/');
  const hint = where ? `remotes are used by name: \`dv remote add NAME ${name}\`, then use NAME${names.length ? ` (remotes here: ${names.join(', ')})` : ''}`
    : names.length ? `remotes here: ${names.join(', ')}` : 'add one with `dv remote add NAME URL`';
  throw new NotFoundError(`no remote named '${name}'`, { data: { name }, hint });
}

/** Whether this repository is a partial clone: some file content arrives only when a checkout needs it. */
export function isPartialClone(repo: Repository): boolean {
  return listRemotes(repo).some((r) => r.partial);
}

/** Every configured remote, sorted by name. */
export function listRemotes(repo: Repository): RemoteConfig[] {
  const out: RemoteConfig[] = [];
  for (const { key, value } of repo.env.config.getRange({ start: KEY_PREFIX, end: KEY_PREFIX + '\uffff' })) {
    const v = value as RemoteConfig;
    if (v && typeof v.url === 'string') out.push({ ...v, name: String(key).slice(KEY_PREFIX.length) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Removes a remote and its remote-tracking refs (one transaction). */
export function removeRemote(repo: Repository, name: string): { name: string; refs: number } {
  requireRemote(repo, name);
  const tracking = repo.refs.list(`${REMOTE_PREFIX}${name}/`);
  repo.refs.updateMany(tracking.map((r) => ({ name: r.name, new: null, expect: r.oid, message: `remote: removed ${name}` })));
  repo.setConfig(KEY_PREFIX + name, undefined);
  return { name, refs: tracking.length };
}
