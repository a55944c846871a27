import fs from 'node:fs';
import path from 'node:path';
import { ConflictError, NotFoundError } from '../errors/index.js';
import { migrateStore, ObjectStore, openStoreEnv, STORE_FILE, STORE_FORMAT_VERSION, type Migration, type StoreEnv } from '../store/index.js';
import { RefStore, HEAD, BRANCH_PREFIX } from '../refs/index.js';
import { readIdentity, type Identity } from './identity.js';

export const DV_DIR = '.dv';
/** Text marker file that identifies a dv repository directory and its format version. */
export const FORMAT_FILE = 'FORMAT';
export const DEFAULT_BRANCH = 'main';

/** An open repository. `root` is the working tree (null when bare). */
export class Repository {
  readonly objects: ObjectStore;
  readonly refs: RefStore;
  private identityCache: Identity | undefined;
  /** Set when opening upgraded the repository from an older format. */
  migration: Migration | undefined;

  constructor(readonly root: string | null, readonly dvDir: string, readonly env: StoreEnv) {
    this.objects = new ObjectStore(env, dvDir);
    this.refs = new RefStore(env, () => {
      const id = this.identity();
      return `${id.name} <${id.email}>`;
    });
  }

  get bare(): boolean { return this.root === null; }

  /** The working tree root; throws for a bare repository. */
  worktree(): string {
    if (this.root === null) throw new ConflictError('this operation needs a working tree, but the repository is bare');
    return this.root;
  }

  /** Author identity for commits and reflogs. */
  identity(): Identity {
    this.identityCache ??= readIdentity(this.root ?? this.dvDir);
    return this.identityCache;
  }

  /** A config value (stored in the repository's LMDB config database). */
  getConfig<T = unknown>(key: string): T | undefined {
    return this.env.config.get(key) as T | undefined;
  }

  setConfig(key: string, value: unknown): void {
    this.env.root.transactionSync(() => {
      if (value === undefined) this.env.config.removeSync(key);
      else this.env.config.putSync(key, value);
    });
  }

  async close(): Promise<void> {
    this.objects.close();
    await this.env.close();
  }
}

/** Creates a repository in `dir` (bare: `dir` itself is the repository directory). */
export function initRepository(dir: string, opts: { bare?: boolean; branch?: string } = {}): Repository {
  const root = path.resolve(dir);
  const dvDir = opts.bare ? root : path.join(root, DV_DIR);
  if (fs.existsSync(path.join(dvDir, FORMAT_FILE))) {
    throw new ConflictError(`a dv repository already exists in ${dvDir}`);
  }
  fs.mkdirSync(dvDir, { recursive: true });
  const env = openStoreEnv(dvDir, { create: true });
  const repo = new Repository(opts.bare ? null : root, dvDir, env);
  env.root.transactionSync(() => {
    env.meta.putSync('format', STORE_FORMAT_VERSION);
    env.config.putSync('core.bare', !!opts.bare);
  });
  repo.refs.setSymbolic(HEAD, BRANCH_PREFIX + (opts.branch ?? DEFAULT_BRANCH), 'init');
  // The marker is written last: a directory without it is not (yet) a repository.
  writeFormatFile(dvDir);
  return repo;
}

/** Finds the repository containing `start` (walking up), or a bare repository at `start`. */
export function discoverRepository(start: string): { root: string | null; dvDir: string } {
  let cur = path.resolve(start);
  if (isRepoDir(cur) && !fs.existsSync(path.join(cur, DV_DIR))) return { root: null, dvDir: cur };
  for (;;) {
    const candidate = path.join(cur, DV_DIR);
    if (isRepoDir(candidate)) return { root: cur, dvDir: candidate };
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  throw new NotFoundError('not inside a dv repository', { hint: 'run `dv init` to create one, or cd into a repository' });
}

/** Opens the repository that contains `cwd`. */
export function openRepository(cwd: string = process.cwd()): Repository {
  const { root, dvDir } = discoverRepository(cwd);
  return openRepositoryAt(root, dvDir);
}

/**
 * Opens a repository whose directories are known. `upgrade: false` leaves an older format
 * as it is: a repository opened as a remote (a path, or one `dv serve` serves) is only
 * read and written through objects and refs, which the formats share, and people with an
 * older dv may still be using it.
 */
export function openRepositoryAt(root: string | null, dvDir: string, opts: { upgrade?: boolean } = {}): Repository {
  const env = openStoreEnv(dvDir);
  // A newer format may store things this version would misread or damage: refuse it.
  const format = env.meta.get('format');
  if (typeof format === 'number' && format > STORE_FORMAT_VERSION) {
    void env.close();
    throw new ConflictError(`repository format ${format} is newer than this dv supports (${STORE_FORMAT_VERSION})`, { hint: 'upgrade dv to open this repository' });
  }
  let migration: Migration | undefined;
  try {
    if (opts.upgrade !== false) migration = migrateStore(env, format);
  } catch (err) {
    void env.close();
    throw err;
  }
  // The marker only informs people (meta.format is what is checked), so it follows the upgrade.
  if (migration) writeFormatFile(dvDir);
  const bare = env.config.get('core.bare') === true;
  const repo = new Repository(bare ? null : root, dvDir, env);
  repo.migration = migration;
  return repo;
}

/** Writes the FORMAT marker with this version, replacing any older one in one rename. */
function writeFormatFile(dvDir: string): void {
  const file = path.join(dvDir, FORMAT_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `dv repository format ${STORE_FORMAT_VERSION}\n`);
  fs.renameSync(tmp, file);
}

function isRepoDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, FORMAT_FILE)) && fs.existsSync(path.join(dir, STORE_FILE));
}
