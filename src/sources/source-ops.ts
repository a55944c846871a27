import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/index.js';
import type { Repository } from '../repo/index.js';
import { now, parseRepoPath, type RepoPath } from '../util/index.js';
import { fetchOrigin, isUrl } from './fetch-origin.js';
import { assertCanLand, landVersion, type SourceResult } from './land-version.js';
import { SOURCE_NAME, sourceHistory, sourceLog } from './registry.js';
import type { SourceEntry } from './source-entry.js';

export interface AddSourceOptions {
  name: string;
  /** http(s) URL, or a local path (relative to `cwd`). */
  from: string;
  /** Repository path the source lands at. */
  to: RepoPath;
  version?: string;
  message?: string;
  note?: string;
  cwd?: string;
  verify?: boolean;
  onBytes?: (n: number) => void;
}

export interface UpdateSourceOptions {
  name: string;
  /** A new origin (default: the recorded one). */
  from?: string;
  version?: string;
  note?: string;
  message?: string;
  cwd?: string;
  verify?: boolean;
  onBytes?: (n: number) => void;
}

/** Registers a new source: fetches it, checks its contracts, and commits it at `to`. */
export async function addSource(repo: Repository, opts: AddSourceOptions): Promise<SourceResult> {
  checkName(opts.name);
  for (const v of sourceHistory(repo)) {
    if (v.name === opts.name) throw new ConflictError(`source ${opts.name} is already registered (at ${v.path})`, { data: { name: opts.name }, hint: `fetch a new version with \`dv source update ${opts.name}\`` });
    if (v.path === opts.to) throw new ConflictError(`${opts.to} already belongs to source ${v.name}`, { data: { path: opts.to }, hint: 'give another --to' });
  }
  assertCanLand(repo, opts.to);
  const origin = normaliseOrigin(opts.from, opts.cwd);
  const fetched = await fetchOrigin(origin, { tmpDir: tmpDirOf(repo), onBytes: opts.onBytes });
  if (fetched.status !== 'fetched') throw new ConflictError('unexpected unchanged result for a new source');
  const version = opts.version ?? 'v1';
  const entry: SourceEntry = {
    name: opts.name, action: 'add', origin, path: opts.to, version, fetched: now().ms,
    checksum: fetched.id, size: fetched.size, ...fetched.validators, ...(opts.note ? { note: opts.note } : {}),
  };
  return landVersion(repo, {
    file: fetched.file, entry, operation: 'source add', verify: opts.verify ?? true,
    message: opts.message ?? `source add ${opts.name} ${version}${opts.note ? `: ${opts.note}` : ''}`,
  });
}

/**
 * Fetches a source's origin again. An unchanged upstream (HTTP 304 on the stored
 * validators, or the same checksum) makes no commit; otherwise the new version is
 * checked against its contracts and committed.
 */
export async function updateSource(repo: Repository, opts: UpdateSourceOptions): Promise<SourceResult> {
  const versions = sourceLog(repo, opts.name);
  const cur = versions[0]!;
  if (opts.version !== undefined && versions.some((v) => v.version === opts.version)) {
    throw new ConflictError(`source ${opts.name} already has a version ${opts.version}`, { data: { name: opts.name, version: opts.version }, hint: 'give a new --version tag' });
  }
  assertCanLand(repo, cur.path as RepoPath);
  const origin = opts.from !== undefined ? normaliseOrigin(opts.from, opts.cwd) : cur.origin;
  const sameOrigin = origin === cur.origin;
  const fetched = await fetchOrigin(origin, {
    tmpDir: tmpDirOf(repo), known: cur.checksum, onBytes: opts.onBytes,
    validators: sameOrigin ? { etag: cur.etag, lastModified: cur.lastModified } : undefined,
  });
  if (fetched.status === 'unchanged') return { status: 'unchanged', name: opts.name, how: fetched.how, version: cur.version };
  const version = opts.version ?? nextVersion(versions.map((v) => v.version));
  const entry: SourceEntry = {
    name: opts.name, action: 'update', origin, path: cur.path, version, fetched: now().ms,
    checksum: fetched.id, size: fetched.size, ...fetched.validators, ...(opts.note ? { note: opts.note } : {}),
  };
  return landVersion(repo, {
    file: fetched.file, entry, operation: 'source update', verify: opts.verify ?? true,
    message: opts.message ?? `source update ${opts.name} ${version}${opts.note ? `: ${opts.note}` : ''}`,
  });
}

/** Rolls one source back (or forward) to a recorded version, leaving other sources alone. */
export async function checkoutSource(repo: Repository, opts: { name: string; version: string; message?: string }): Promise<SourceResult> {
  const versions = sourceLog(repo, opts.name);
  const cur = versions[0]!;
  const want = versions.find((v) => v.version === opts.version) ?? versions.find((v) => opts.version.length >= 4 && v.commit.startsWith(opts.version));
  if (!want) {
    throw new NotFoundError(`source ${opts.name} has no version ${opts.version}`, { data: { name: opts.name, version: opts.version }, hint: `its versions: ${[...new Set(versions.map((v) => v.version))].join(', ')}` });
  }
  if (want.checksum === cur.checksum && want.path === cur.path) return { status: 'unchanged', name: opts.name, how: 'same-version', version: cur.version };
  assertCanLand(repo, cur.path as RepoPath);
  const dir = tmpDirOf(repo);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `checkout-${process.pid}-${Date.now()}`);
  const fd = fs.openSync(file, 'wx');
  try {
    for (const piece of repo.objects.readContentSync(want.checksum)) fs.writeSync(fd, piece);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  const { commit: _c, message: _m, rows: _r, ...base } = want;
  const entry: SourceEntry = { ...base, action: 'checkout', path: cur.path, fetched: want.fetched };
  return landVersion(repo, {
    file, entry, operation: 'source checkout', verify: false,
    message: opts.message ?? `source checkout ${opts.name} ${want.version}`,
  });
}

function checkName(name: string): void {
  if (!SOURCE_NAME.test(name)) throw new InvalidInputError(`invalid source name ${JSON.stringify(name)}`, { hint: 'use letters, digits, ".", "_" and "-"' });
}

function normaliseOrigin(from: string, cwd = process.cwd()): string {
  return isUrl(from) ? from : path.resolve(cwd, from);
}

function nextVersion(existing: string[]): string {
  let n = existing.length + 1;
  while (existing.includes(`v${n}`)) n++;
  return `v${n}`;
}

/** Downloads land in the repository directory, so the final rename stays on one file system. */
function tmpDirOf(repo: Repository): string {
  return repo.root === null ? os.tmpdir() : path.join(repo.dvDir, 'tmp');
}

/** Validates a --to path. */
export function parseSourcePath(p: string): RepoPath {
  const rp = parseRepoPath(p);
  if (rp === '') throw new InvalidInputError('--to must name a file in the repository');
  return rp;
}
