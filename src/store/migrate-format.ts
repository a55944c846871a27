import type { Database } from 'lmdb';
import type { Oid } from '../hash/index.js';
import { bumpGeneration, STORE_FORMAT_VERSION, type StoreEnv } from './environment.js';
import { encodeIndexEntry, INDEX_ENTRY_LENGTH, INDEX_KIND_CODE, type IndexEntry } from './index-entry.js';

/** What an upgrade did. */
export interface Migration {
  from: number;
  to: number;
  /** Paths whose old index entry could not be read: unstaged, their files left as they are. */
  dropped: string[];
}

/**
 * Brings a repository written in an older store format (`format`, as the caller read it)
 * up to this version's, in one transaction, and records the new version in `meta.format`.
 * Returns undefined when the store is already current (or another process upgraded it first).
 *
 * Format 1 → 2: index entries were msgpack maps; they become the binary entries of
 * index-entry.ts, and an old stat table is dropped. Nothing
 * else is rewritten: records stored inline whatever their size, packs and deltas read the
 * same in both versions (spec/layout.md).
 */
export function migrateStore(env: StoreEnv, format: unknown): Migration | undefined {
  if (typeof format !== 'number' || format >= STORE_FORMAT_VERSION) return undefined;
  // A second handle on the same database, decoding values as the old version wrote them.
  const legacyIndex = env.root.openDB<unknown, string>({ name: 'index', encoding: 'msgpack' });
  return env.root.transactionSync(() => {
    if (env.meta.get('format') !== format) return undefined;
    const migration: Migration = { from: format, to: STORE_FORMAT_VERSION, dropped: [] };
    const rewritten = new Map<string, Buffer | null>();
    for (const { key, value } of env.index.getRange({})) {
      if (isBinaryEntry(value)) continue;
      const entry = legacyEntry(safeGet(legacyIndex, key));
      rewritten.set(key, entry ? encodeIndexEntry(entry) : null);
      if (!entry) migration.dropped.push(key);
    }
    for (const [key, value] of rewritten) {
      if (value) env.index.putSync(key, value);
      else env.index.removeSync(key);
    }
    // An old stat table, no longer read. (The table file, spec/index.md, names the index
    // version and stamp it was built from: a migration that rewrote entries of a repository
    // that could have one would have to write a new stamp.)
    env.indexStat.removeSync('table');
    env.meta.putSync('format', STORE_FORMAT_VERSION);
    bumpGeneration(env);
    return migration;
  });
}

function safeGet(db: Database<unknown, string>, key: string): unknown {
  try { return db.get(key); } catch { return undefined; }
}

/** A value already in the binary layout (a msgpack map never starts with byte 1, 2 or 3). */
function isBinaryEntry(value: Uint8Array): boolean {
  return value.length === INDEX_ENTRY_LENGTH && value[0]! >= 1 && value[0]! <= 3;
}

/** A format-1 index entry, checked field by field before it is trusted (undefined if it fails). */
function legacyEntry(v: unknown): IndexEntry | undefined {
  const e = v as Partial<Record<keyof IndexEntry, unknown>> | undefined;
  const ok = !!e && typeof e === 'object'
    && typeof e.id === 'string' && /^[0-9a-f]{64}$/.test(e.id)
    && typeof e.kind === 'string' && Object.hasOwn(INDEX_KIND_CODE, e.kind)
    && isCount(e.size) && isStatTime(e.mtime) && isStatTime(e.ctime) && isCount(e.ino) && isCount(e.dev);
  if (!ok) return undefined;
  return { id: e.id as Oid, kind: e.kind as IndexEntry['kind'], size: e.size as number, mtime: e.mtime as IndexEntry['mtime'], ctime: e.ctime as IndexEntry['ctime'], ino: e.ino as number, dev: e.dev as number };
}

function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isStatTime(v: unknown): boolean {
  return Array.isArray(v) && v.length === 2 && isCount(v[0]) && isCount(v[1]) && (v[1] as number) < 1e9;
}
