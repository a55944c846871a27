import { ConflictError, InvalidInputError, RemoteError } from '../errors/index.js';
import { BRANCH_PREFIX, HEAD, TAG_PREFIX, parseShortRefName } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import type { RefUpdate } from './transport.js';

/**
 * The receiving end of a push's ref updates: checks every update (ref name, target
 * held and of the right kind, not the checked-out branch of a repository with a working
 * tree) and applies them all or none as compare-and-swap updates, each logged in the
 * reflog with `who`.
 */
export function applyRefUpdates(repo: Repository, updates: RefUpdate[], who?: string): void {
  const checkedOut = repo.bare ? null : repo.refs.resolveName(HEAD);
  for (const u of updates) {
    const isBranch = u.name.startsWith(BRANCH_PREFIX);
    if (!isBranch && !u.name.startsWith(TAG_PREFIX)) throw new InvalidInputError(`refusing to update ${u.name}: only refs/heads/ and refs/tags/ can be pushed`);
    parseShortRefName(u.name.slice(isBranch ? BRANCH_PREFIX.length : TAG_PREFIX.length), isBranch ? 'branch' : 'tag');
    if (u.name === checkedOut) {
      throw new ConflictError(`refusing to update the checked-out branch ${u.name.slice(BRANCH_PREFIX.length)} of a repository with a working tree`, {
        data: { ref: u.name },
        hint: 'push to a bare repository (`dv init --bare`), or push another branch',
      });
    }
    if (u.new !== null) {
      const kind = repo.objects.kindOf(u.new);
      if (!kind) throw new RemoteError(`cannot update ${u.name}: object ${u.new} was not received`, { data: { ref: u.name, id: u.new } });
      if (isBranch && kind !== 'commit') throw new InvalidInputError(`cannot point branch ${u.name} at a ${kind}`);
    }
  }
  try {
    repo.refs.updateMany(updates.map((u) => ({ name: u.name, new: u.new, expect: u.old, message: u.new === null ? 'push: delete' : 'push', who })));
  } catch (err) {
    if (err instanceof ConflictError) {
      const ref = String(err.data.ref ?? '');
      throw new ConflictError(`${ref} changed on the remote while pushing (expected ${short(err.data.expected)}, found ${short(err.data.found)})`, {
        data: err.data,
        hint: 'fetch, integrate the new commits (`dv pull`), then push again',
      });
    }
    throw err;
  }
}

function short(v: unknown): string {
  return typeof v === 'string' ? v.slice(0, 12) : 'none';
}
