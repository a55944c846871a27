import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import { storeBytes, storeFile } from '../store/index.js';
import type { RepoPath } from '../util/index.js';
import { readPathContent } from '../worktree/index.js';

/**
 * The content ids of a stage's inputs (tree ids for directories). Unchanged tracked
 * files are not read (index stat data). A missing input is refused, naming the stage.
 */
export function readInputIds(repo: Repository, stage: string, paths: RepoPath[]): Record<string, Oid> {
  const out: Record<string, Oid> = {};
  for (const p of paths) {
    const c = readPathContent(repo, p);
    if (!c) throw missingInput(stage, p);
    out[p] = c.id;
  }
  return out;
}

/**
 * Like readInputIds, and also stores every input file (and directory tree) the store
 * lacks, so a replay can materialise exactly what the run read. Tracked data is
 * usually stored already and costs nothing more than its stat check.
 */
export async function captureInputs(repo: Repository, stage: string, paths: RepoPath[], extra: RepoPath[] = []): Promise<Record<string, Oid>> {
  const root = repo.worktree();
  const out: Record<string, Oid> = {};
  // Callers hold the writer lease (repro takes one for its whole run).
  {
    const batch = repo.objects.batch();
    for (const p of [...paths, ...extra]) {
      const c = readPathContent(repo, p, batch);
      if (!c) throw missingInput(stage, p);
      for (const [file, leaf] of c.leaves) {
        if (repo.objects.has(leaf.id)) continue;
        const abs = path.join(root, file);
        if (leaf.kind === 'symlink') storeBytes(batch, Buffer.from(fs.readlinkSync(abs)));
        else await storeFile(batch, abs, file);
      }
      out[p] = c.id;
    }
    batch.flush();
  }
  return out;
}

function missingInput(stage: string, p: RepoPath): InvalidInputError {
  return new InvalidInputError(`stage ${stage}: input '${p}' does not exist`, { data: { stage, path: p }, hint: 'create it, or run the stage that produces it first' });
}
