import { initRepository, type Repository } from '../../src/repo/index.js';
import { storeBytes } from '../../src/store/index.js';
import type { Oid } from '../../src/hash/index.js';
import type { EntryKind, TreeEntry } from '../../src/objects/index.js';
import { tmpDir } from '../helpers.js';

/** A file in a fixture tree: its content, or content plus kind. */
export type FixtureFile = string | Buffer | { content: string | Buffer; kind: Exclude<EntryKind, 'tree'> };

/** A fresh repository in a temporary directory (closed at process exit by the OS). */
export function newRepo(): Repository {
  return initRepository(tmpDir('dv-hist-'));
}

/** Writes nested trees for `files` (path → content) and returns the root tree id. */
export function writeFixtureTree(repo: Repository, files: Record<string, FixtureFile>): Oid {
  const batch = repo.objects.batch();
  const root = build(repo, batch, Object.entries(files).map(([p, f]) => [p.split('/'), f] as const));
  batch.flush();
  return root.id;
}

function build(repo: Repository, batch: ReturnType<Repository['objects']['batch']>, items: ReadonlyArray<readonly [string[], FixtureFile]>): { id: Oid; size: number } {
  const dirs = new Map<string, Array<readonly [string[], FixtureFile]>>();
  const entries: TreeEntry[] = [];
  for (const [parts, f] of items) {
    if (parts.length > 1) {
      const list = dirs.get(parts[0]!) ?? [];
      list.push([parts.slice(1), f]);
      dirs.set(parts[0]!, list);
      continue;
    }
    const content = typeof f === 'string' || Buffer.isBuffer(f) ? f : f.content;
    const kind = typeof f === 'string' || Buffer.isBuffer(f) ? 'file' : f.kind;
    const stored = storeBytes(batch, Buffer.from(content));
    entries.push({ name: parts[0]!, kind, id: stored.id, size: stored.size });
  }
  for (const [name, sub] of dirs) {
    const t = build(repo, batch, sub);
    entries.push({ name, kind: 'tree', id: t.id, size: t.size });
  }
  batch.flush();
  const id = repo.objects.writeTree({ entries });
  return { id, size: entries.reduce((s, e) => s + e.size, 0) };
}

let clock = Date.UTC(2024, 0, 1);

/** Writes a commit of `files` with the given parents; each call is one minute later than the last unless `ms` is given. */
export function commitFiles(repo: Repository, files: Record<string, FixtureFile>, parents: Oid[], message: string, ms?: number): Oid {
  clock += 60_000;
  const when = ms ?? clock;
  const sig = { name: 'Test User', email: 'test@example.com', ms: when, tz: 0 };
  return repo.objects.writeCommit({ tree: writeFixtureTree(repo, files), parents, author: sig, committer: sig, message, meta: {} });
}

/** Commits `files` on a branch (default main), moving the branch by compare-and-swap. */
export function commitOn(repo: Repository, files: Record<string, FixtureFile>, message: string, branch = 'main', extraParents: Oid[] = []): Oid {
  const ref = `refs/heads/${branch}`;
  const parent = repo.refs.resolve(ref);
  const id = commitFiles(repo, files, [...(parent ? [parent] : []), ...extraParents], message);
  repo.refs.update({ name: ref, new: id, expect: parent ?? null, message: `commit: ${message}` });
  return id;
}
