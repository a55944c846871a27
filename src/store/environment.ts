import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Lmdb from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import { InternalError } from '../errors/index.js';

// lmdb is loaded when a store is first opened, not when this module is: worker threads
// that only verify never load it. A process that ends while a worker is loading lmdb's
// native module aborts with "FATAL ERROR: Error::ThrowAsJavaScriptException" (its start-up
// cannot be interrupted), which a quick clone ending as its verify worker started did.
const require = createRequire(import.meta.url);
let lmdbModule: typeof Lmdb | undefined;
function lmdb(): typeof Lmdb {
  lmdbModule ??= require('lmdb') as typeof Lmdb;
  return lmdbModule;
}

/** Version of the on-disk layout; bumped when a migration is needed (spec/layout.md). */
export const STORE_FORMAT_VERSION = 2;
export const STORE_FILE = 'store.mdb';

/** The opened LMDB environment and its named databases. */
export interface StoreEnv {
  root: RootDatabase;
  /** Object id (32 bytes) → stored record (see record.ts). */
  objects: Database<Buffer, Buffer>;
  /** Ref name → ref value (msgpack). */
  refs: Database<unknown, string>;
  /** [ref name, sequence] → reflog entry (msgpack). */
  reflog: Database<unknown, [string, number]>;
  /** Repository path → index entry (binary, see index-entry.ts). */
  index: Database<Buffer, string>;
  /** 'table' → where the index's stat table was kept before it became the file `index-stat` (removed by the next index write). */
  indexStat: Database<Buffer, string>;
  /** Config key → value; also bisect and other session state under namespaced keys. */
  config: Database<unknown, string>;
  /** Bookkeeping: format version, write generation, live writer leases. */
  meta: Database<unknown, string>;
  close(): Promise<void>;
}

/** Opens (creating if asked) the environment inside a `.dv` directory. */
export function openStoreEnv(dvDir: string, opts: { create?: boolean; readOnly?: boolean } = {}): StoreEnv {
  const file = path.join(dvDir, STORE_FILE);
  if (!opts.create && !fs.existsSync(file)) throw new InternalError(`no object store at ${file}`);
  const root = lmdb().open({
    path: file,
    noSubdir: true,
    maxDbs: 16,
    compression: false,
    // Keep durability: each committed transaction is on disk before the ref that needs it moves.
    noSync: false,
    readOnly: opts.readOnly ?? false,
  });
  const objects = root.openDB<Buffer, Buffer>({ name: 'objects', keyEncoding: 'binary', encoding: 'binary', cache: false });
  const refs = root.openDB<unknown, string>({ name: 'refs', encoding: 'msgpack' });
  const reflog = root.openDB<unknown, [string, number]>({ name: 'reflog', encoding: 'msgpack' });
  const index = root.openDB<Buffer, string>({ name: 'index', encoding: 'binary' });
  const indexStat = root.openDB<Buffer, string>({ name: 'index-stat', encoding: 'binary' });
  const config = root.openDB<unknown, string>({ name: 'config', encoding: 'msgpack' });
  const meta = root.openDB<unknown, string>({ name: 'meta', encoding: 'msgpack' });
  return {
    root, objects, refs, reflog, index, indexStat, config, meta,
    async close() { await root.close(); },
  };
}

/** Bumps the write generation inside the current write transaction (gc checks it did not move). */
export function bumpGeneration(env: StoreEnv): void {
  const g = (env.meta.get('generation') as number | undefined) ?? 0;
  env.meta.putSync('generation', g + 1);
}

/** The current write generation. */
export function readGeneration(env: StoreEnv): number {
  return (env.meta.get('generation') as number | undefined) ?? 0;
}
