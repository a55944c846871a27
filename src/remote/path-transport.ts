import fs from 'node:fs';
import path from 'node:path';
import { NotFoundError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { BRANCH_PREFIX, HEAD, TAG_PREFIX } from '../refs/index.js';
import { DV_DIR, FORMAT_FILE, openRepositoryAt, type Repository } from '../repo/index.js';
import { withWriterLease } from '../store/index.js';
import { applyRefUpdates } from './apply-ref-updates.js';
import { commitHistory, type CommitHistory } from './commit-history.js';
import { importObjects } from './import-objects.js';
import { StoredObjects } from './stored-objects.js';
import type { RefUpdate, TransferEvents, Transport, WireObject } from './transport.js';

/** Opens the repository at a path (a bare repository directory, or a working tree with .dv/). */
export function openRepositoryPath(dir: string): Repository {
  const abs = path.resolve(dir);
  if (fs.existsSync(path.join(abs, DV_DIR, FORMAT_FILE))) return openRepositoryAt(abs, path.join(abs, DV_DIR), { upgrade: false });
  if (fs.existsSync(path.join(abs, FORMAT_FILE))) return openRepositoryAt(null, abs, { upgrade: false });
  throw new NotFoundError(`${dir} is not a dv repository`, { data: { path: dir }, hint: 'create one with `dv init --bare DIR`' });
}

/** The refs a repository offers to others: its branches and tags, and HEAD's branch. */
export function advertisedRefs(repo: Repository): { refs: Map<string, Oid>; head: string | null } {
  const refs = new Map<string, Oid>();
  for (const prefix of [BRANCH_PREFIX, TAG_PREFIX]) for (const r of repo.refs.list(prefix)) refs.set(r.name, r.oid);
  const target = repo.refs.resolveName(HEAD);
  return { refs, head: target.startsWith(BRANCH_PREFIX) ? target : null };
}

/** Objects as stored, to send; an id not held is an error when it is reached. */
export function readWireObjects(repo: Repository, ids: Oid[], events?: TransferEvents): StoredObjects {
  return new StoredObjects(repo.objects, ids, events);
}

/** A repository on a local or mounted path, opened directly. */
export class PathTransport implements Transport {
  private constructor(private readonly repo: Repository) {}

  static open(dir: string): PathTransport {
    return new PathTransport(openRepositoryPath(dir));
  }

  async listRefs() { return advertisedRefs(this.repo); }

  async hasObjects(ids: Oid[]): Promise<boolean[]> {
    return ids.map((id) => this.repo.objects.has(id));
  }

  getObjects(ids: Oid[]): AsyncIterable<WireObject> {
    return readWireObjects(this.repo, ids);
  }

  async history(tips: Oid[], stop: Oid[]): Promise<CommitHistory> {
    return commitHistory(this.repo.objects, tips, stop);
  }

  async putObjects(objects: AsyncIterable<WireObject>): Promise<void> {
    await withWriterLease(this.repo.env, () => importObjects(this.repo.objects, objects));
  }

  async updateRefs(updates: RefUpdate[], who?: string): Promise<void> {
    applyRefUpdates(this.repo, updates, who);
  }

  async close(): Promise<void> {
    await this.repo.close();
  }
}
