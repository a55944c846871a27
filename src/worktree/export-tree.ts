import fs from 'node:fs';
import { ConflictError } from '../errors/index.js';
import { resolveRevision, walkTree } from '../history/index.js';
import type { Repository } from '../repo/index.js';
import { parseRepoPath, runWithLimit, type RepoPath } from '../util/index.js';
import { FILES_IN_FLIGHT, Materializer } from './materialize.js';

export interface ExportResult { files: number; bytes: number; dest: string }

/**
 * Writes the tree of `REV[:PATH]` into an empty or new directory, verifying every file.
 * Paths keep their place relative to the repository root.
 */
export async function exportTree(repo: Repository, spec: string, dest: string, onBytes?: (n: number) => void): Promise<ExportResult> {
  const colon = spec.indexOf(':');
  const rev = colon >= 0 ? spec.slice(0, colon) || 'HEAD' : spec;
  const under: RepoPath = colon >= 0 ? parseRepoPath(spec.slice(colon + 1)) : ('' as RepoPath);
  const commitOrTree = resolveRevision(repo, rev);
  const obj = repo.objects.read(commitOrTree);
  const tree = obj.kind === 'commit' ? obj.commit.tree : obj.kind === 'tag' ? repo.objects.readCommit(obj.tag.object).tree : commitOrTree;
  if (fs.existsSync(dest) && fs.readdirSync(dest).length > 0) {
    throw new ConflictError(`destination ${dest} is not empty`, { hint: 'export into a new or empty directory' });
  }
  fs.mkdirSync(dest, { recursive: true });
  const m = new Materializer(repo.objects, dest);
  let files = 0;
  let bytes = 0;
  await runWithLimit(walkTree(repo.objects, tree, under), FILES_IN_FLIGHT, async (leaf) => {
    await m.writeNewAsync(leaf, onBytes);
    files++;
    bytes += leaf.size;
  });
  return { files, bytes, dest };
}
