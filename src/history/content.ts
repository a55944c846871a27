import { InvalidInputError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import { resolveRevision, resolveRevPath } from './rev-parse.js';

/** File content named by `REV:path` (or a file id): its id, size and verified chunks in order. */
export interface RevContent {
  id: Oid;
  size: number;
  /** Verified pieces of the content; the last step checks the whole against `id`. */
  chunks: Generator<Uint8Array>;
}

/** Opens the content of a file in history for streaming; a directory or a commit is an InvalidInputError. */
export function openRevContent(repo: Repository, spec: string): RevContent {
  if (spec.includes(':')) {
    const e = resolveRevPath(repo, spec);
    if (e.kind === 'tree') {
      throw new InvalidInputError(`'${spec}' is a directory, not a file`, { data: { rev: spec }, hint: `list it with \`dv ls ${spec}\`` });
    }
    return { id: e.id, size: e.size, chunks: repo.objects.readContentSync(e.id) };
  }
  const id = resolveRevision(repo, spec);
  const kind = repo.objects.kindOf(id);
  if (kind !== 'blob' && kind !== 'file') {
    throw new InvalidInputError(`'${spec}' is a ${kind}, not a file`, { data: { rev: spec, kind }, hint: `name a file as REV:PATH, for example ${spec}:data.csv` });
  }
  return { id, size: repo.objects.contentSize(id), chunks: repo.objects.readContentSync(id) };
}
