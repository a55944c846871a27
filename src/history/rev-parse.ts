import { AmbiguousError, InvalidInputError, NotFoundError } from '../errors/index.js';
import { isOid, shortOid, MIN_PREFIX_LENGTH, type Oid } from '../hash/index.js';
import type { ObjectKind, TreeEntry } from '../objects/index.js';
import { HEAD } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { parseRepoPath, type RepoPath } from '../util/index.js';
import { requirePath } from './tree-walk.js';

/*
 * Revision grammar (DESIGN.md §3): a base — HEAD (or @), a full or unique-prefix id, a
 * ref name (as given, refs/NAME, refs/tags/NAME, refs/heads/NAME, refs/remotes/NAME,
 * refs/remotes/NAME/HEAD, in git's order) — followed by any chain of `~N`, `^N`, `^{}`,
 * `^{commit}`, `^{tree}`, and optionally `:path` naming an entry of the resulting tree.
 */

/** Most candidates an ambiguous short id lists. */
const MAX_CANDIDATES = 16;
/** Tags pointing at tags are followed this deep before giving up. */
const MAX_PEEL = 10;

const SYNTAX_HINT = 'a revision is a branch, tag, HEAD or an id (at least 4 hex characters), optionally followed by ~N, ^N or :path';
const UNKNOWN_HINT = 'use a branch or tag name (see `dv branch`, `dv tag`), HEAD, or at least 4 hex characters of an id';

/** An entry named by `REV:path`: the tree entry plus where it was found. */
export interface RevPathEntry extends TreeEntry {
  /** The path inside the tree ('' for `REV:` itself). */
  path: RepoPath;
  /** The revision text before the colon. */
  rev: string;
  /** The root tree the path was looked up in. */
  tree: Oid;
}

type Step = { op: '~'; n: number; text: string } | { op: '^'; n: number; text: string } | { op: 'peel'; to: 'tag' | 'commit' | 'tree'; text: string };

/** Resolves any revision to the object it names (an annotated tag stays the tag; `REV:path` gives the entry's id). */
export function resolveRevision(repo: Repository, text: string): Oid {
  const colon = text.indexOf(':');
  if (colon >= 0) return resolveRevPath(repo, text).id;
  return resolveObject(repo, text, undefined);
}

/** Resolves a revision to a commit, peeling annotated tags; anything else is an InvalidInputError. */
export function resolveCommit(repo: Repository, text: string): Oid {
  const colon = text.indexOf(':');
  const id = colon >= 0 ? resolveRevPath(repo, text).id : resolveObject(repo, text, 'commit');
  return peel(repo, id, 'commit', text);
}

/** Resolves a revision to a tree: a commit's tree, a tag's target's tree, or `REV:dir`. */
export function resolveTreeish(repo: Repository, text: string): Oid {
  const colon = text.indexOf(':');
  if (colon >= 0) {
    const e = resolveRevPath(repo, text);
    if (e.kind !== 'tree') throw new InvalidInputError(`'${text}' is a file, not a directory`, { data: { rev: text } });
    return e.id;
  }
  return peel(repo, resolveObject(repo, text, 'tree'), 'tree', text);
}

/** Resolves `REV:path` to the tree entry at that path; `REV:` names REV's root tree. */
export function resolveRevPath(repo: Repository, text: string): RevPathEntry {
  const colon = text.indexOf(':');
  if (colon < 0) {
    throw new InvalidInputError(`'${text}' does not name a path: expected REV:PATH`, { data: { rev: text }, hint: `for example HEAD:${text}` });
  }
  const rev = text.slice(0, colon);
  const rawPath = text.slice(colon + 1);
  if (rev === '') {
    throw new InvalidInputError(`'${text}' has no revision before the colon`, { data: { rev: text }, hint: `write HEAD${text} for the committed file` });
  }
  const tree = peel(repo, resolveObject(repo, rev, 'tree'), 'tree', rev);
  const path = parseRepoPath(rawPath);
  const entry = requirePath(repo.objects, tree, path, rev);
  if (path === '') {
    // lookupPath has no size for the root; a tree's size is the sum of its entries.
    const size = repo.objects.readTree(tree).entries.reduce((s, e) => s + e.size, 0);
    return { ...entry, size, path, rev, tree };
  }
  return { ...entry, path, rev, tree };
}

/** Follows tags (and commit → tree) until an object of kind `to`; InvalidInputError when impossible. */
export function peel(repo: Repository, id: Oid, to: 'tag' | 'commit' | 'tree', rev: string): Oid {
  let cur = id;
  for (let i = 0; i <= MAX_PEEL; i++) {
    const kind = kindOf(repo, cur);
    if (kind === to) return cur;
    if (kind === 'tag') { cur = repo.objects.readTag(cur).object; continue; }
    if (kind === 'commit' && to === 'tree') return repo.objects.readCommit(cur).tree;
    throw new InvalidInputError(`'${rev}' names a ${kindLabel(kind)}, not a ${to}`, { data: { rev, id: cur, kind } });
  }
  throw new InvalidInputError(`'${rev}' is a chain of more than ${MAX_PEEL} tags`, { data: { rev } });
}

function resolveObject(repo: Repository, text: string, want: 'commit' | 'tree' | undefined): Oid {
  const { base, steps } = parseSteps(text);
  let cur = resolveBase(repo, base, steps.length > 0 ? 'commit' : want);
  let shown = base;
  for (const step of steps) {
    cur = applyStep(repo, cur, step, shown, text);
    shown += step.text;
  }
  return cur;
}

function parseSteps(text: string): { base: string; steps: Step[] } {
  const m = /[~^]/.exec(text);
  const base = m ? text.slice(0, m.index) : text;
  if (base === '') throw new InvalidInputError(`invalid revision '${text}'`, { data: { rev: text }, hint: SYNTAX_HINT });
  const steps: Step[] = [];
  let rest = m ? text.slice(m.index) : '';
  while (rest !== '') {
    const s = /^(?:~(\d*)|\^\{(\w*)\}|\^(\d*))/.exec(rest);
    if (!s) throw new InvalidInputError(`invalid revision '${text}'`, { data: { rev: text }, hint: SYNTAX_HINT });
    if (s[1] !== undefined) steps.push({ op: '~', n: s[1] === '' ? 1 : Number(s[1]), text: s[0] });
    else if (s[3] !== undefined) steps.push({ op: '^', n: s[3] === '' ? 1 : Number(s[3]), text: s[0] });
    else {
      const to = s[2] === '' ? 'commit-or-object' : s[2];
      if (to !== 'commit-or-object' && to !== 'commit' && to !== 'tree' && to !== 'tag') {
        throw new InvalidInputError(`invalid revision '${text}': unknown peel ^{${s[2]}}`, { data: { rev: text }, hint: 'use ^{}, ^{commit}, ^{tree} or ^{tag}' });
      }
      steps.push({ op: 'peel', to: to === 'commit-or-object' ? 'commit' : to, text: s[0] });
    }
    rest = rest.slice(s[0].length);
  }
  return { base, steps };
}

function applyStep(repo: Repository, id: Oid, step: Step, shown: string, full: string): Oid {
  if (step.op === 'peel') {
    // `^{}` peels tags to whatever they point at, which need not be a commit.
    if (step.text === '^{}') {
      let cur = id;
      for (let i = 0; i <= MAX_PEEL && kindOf(repo, cur) === 'tag'; i++) cur = repo.objects.readTag(cur).object;
      return cur;
    }
    return peel(repo, id, step.to, shown);
  }
  let cur = peel(repo, id, 'commit', shown);
  if (step.op === '^') {
    if (step.n === 0) return cur;
    const parents = repo.objects.readCommit(cur).parents;
    const p = parents[step.n - 1];
    if (!p) {
      throw new NotFoundError(`unknown revision '${full}': ${shown} has ${parents.length === 0 ? 'no parents' : parents.length === 1 ? 'only 1 parent' : `only ${parents.length} parents`}`, {
        data: { rev: full, id: cur, parents: parents.length },
      });
    }
    return p;
  }
  for (let i = 0; i < step.n; i++) {
    const p = repo.objects.readCommit(cur).parents[0];
    if (!p) {
      const at = i === 0 ? shown : `${shown}~${i}`;
      throw new NotFoundError(`unknown revision '${full}': it goes past the root commit`, {
        data: { rev: full, root: cur },
        hint: `${at} (${shortOid(cur)}) is the root commit`,
      });
    }
    cur = p;
  }
  return cur;
}

function resolveBase(repo: Repository, name: string, want: 'commit' | 'tree' | undefined): Oid {
  if (name === HEAD || name === '@') {
    const head = repo.refs.resolve(HEAD);
    if (head) return head;
    const branch = repo.refs.resolveName(HEAD);
    throw new NotFoundError(`unknown revision '${name}': HEAD points at ${branch}, which has no commits yet`, {
      data: { rev: name, ref: branch },
      hint: 'commit something first (`dv add` then `dv commit -m MSG`)',
    });
  }
  if (isOid(name) && repo.objects.has(name)) return name;
  for (const ref of refCandidates(name)) {
    if (repo.refs.read(ref) === undefined) continue;
    const id = repo.refs.resolve(ref);
    if (id) return id;
  }
  const lower = name.toLowerCase();
  if (lower.length >= MIN_PREFIX_LENGTH && /^[0-9a-f]+$/.test(lower)) {
    const found = repo.objects.resolvePrefix(lower, MAX_CANDIDATES);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) return pickCandidate(repo, lower, found, want);
  }
  throw new NotFoundError(`unknown revision '${name}'`, { data: { rev: name }, hint: UNKNOWN_HINT });
}

/** The ref names a short name may mean, in git's precedence order. */
function refCandidates(name: string): string[] {
  const out = name.startsWith('refs/') ? [name] : [];
  out.push(`refs/${name}`, `refs/tags/${name}`, `refs/heads/${name}`, `refs/remotes/${name}`, `refs/remotes/${name}/HEAD`);
  return out;
}

/** Several ids share the prefix: when the context wants a commit or tree and just one candidate can be one, take it (as git does). */
function pickCandidate(repo: Repository, prefix: string, found: Oid[], want: 'commit' | 'tree' | undefined): Oid {
  const kinds = found.map((id) => ({ id, kind: kindOf(repo, id) }));
  if (want) {
    const fitting = kinds.filter((c) => canPeelTo(repo, c.id, c.kind, want));
    if (fitting.length === 1) return fitting[0]!.id;
  }
  const more = found.length >= MAX_CANDIDATES ? ', …' : '';
  throw new AmbiguousError(
    `short id '${prefix}' is ambiguous: ${kinds.map((c) => `${shortOid(c.id)} (${kindLabel(c.kind)})`).join(', ')}${more}`,
    { data: { prefix, candidates: kinds }, hint: 'give more characters of the id' },
  );
}

function canPeelTo(repo: Repository, id: Oid, kind: ObjectKind, want: 'commit' | 'tree'): boolean {
  if (kind === want || (kind === 'commit' && want === 'tree')) return true;
  if (kind !== 'tag') return false;
  try {
    peel(repo, id, want, id);
    return true;
  } catch {
    return false;
  }
}

function kindOf(repo: Repository, id: Oid): ObjectKind {
  const kind = repo.objects.kindOf(id);
  if (!kind) throw new NotFoundError(`object ${id} is missing`, { data: { id } });
  return kind;
}

/** File content is stored as a blob (one chunk) or a file object; users only see "file". */
function kindLabel(kind: ObjectKind): string {
  return kind === 'blob' || kind === 'file' ? 'file' : kind;
}
