import { ConflictError, NotFoundError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import type { ObjectKind } from '../objects/index.js';
import { HEAD, TAG_PREFIX, tagRef } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { now } from '../util/index.js';
import { viewSignature, type SignatureView } from './describe.js';
import { resolveRevision } from './rev-parse.js';

/** A tag as `dv tag` lists it. */
export interface TagInfo {
  name: string;
  ref: string;
  /** What the ref points at: the tag object for an annotated tag, else the tagged object. */
  id: Oid;
  annotated: boolean;
  /** The tagged object (after following tag objects). */
  target: Oid;
  targetKind: ObjectKind;
  message?: string;
  tagger?: SignatureView;
}

/** Options of createTag. */
export interface CreateTagOptions {
  /** Makes an annotated tag (a tag object) with this message. */
  message?: string;
  /** Replace an existing tag of the same name. */
  force?: boolean;
}

/** Tags sorted by name. */
export function listTags(repo: Repository, patterns: string[] = []): TagInfo[] {
  const globs = patterns.map((g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`));
  return repo.refs.list(TAG_PREFIX)
    .filter((r) => globs.length === 0 || globs.some((g) => g.test(r.name.slice(TAG_PREFIX.length))))
    .map((r) => describeTag(repo, r.name.slice(TAG_PREFIX.length), r.oid));
}

/**
 * Tags `rev` (default HEAD). With a message the ref points at a new tag object signed
 * with the repository identity and DV_DATE-aware time; without, it points at the object itself.
 */
export function createTag(repo: Repository, name: string, rev = HEAD, opts: CreateTagOptions = {}): TagInfo {
  const ref = tagRef(name);
  const object = resolveRevision(repo, rev);
  const existing = repo.refs.resolve(ref);
  if (existing && !opts.force) {
    throw new ConflictError(`tag '${name}' already exists`, { data: { name, id: existing }, hint: 'pick another name, or use -f to replace it' });
  }
  let id = object;
  if (opts.message !== undefined) {
    const who = repo.identity();
    const t = now();
    const objectKind = repo.objects.kindOf(object);
    if (!objectKind) throw new NotFoundError(`object ${object} is missing`, { data: { id: object } });
    id = repo.objects.writeTag({ object, objectKind, name, tagger: { name: who.name, email: who.email, ms: t.ms, tz: t.tz }, message: opts.message });
  }
  repo.refs.update({ name: ref, new: id, expect: existing ?? null, message: `tag: ${existing ? 'replaced' : 'created'} at ${rev}` });
  return describeTag(repo, name, id);
}

/** Deletes tags, all or none; NotFoundError names the first missing one. */
export function deleteTags(repo: Repository, names: string[]): Array<{ name: string; id: Oid }> {
  const plan = names.map((name) => {
    const ref = tagRef(name);
    const id = repo.refs.resolve(ref);
    if (!id) throw new NotFoundError(`tag '${name}' not found`, { data: { name }, hint: '`dv tag` lists the tags' });
    return { name, ref, id };
  });
  repo.refs.updateMany(plan.map((p) => ({ name: p.ref, new: null, expect: p.id, message: 'tag: deleted' })));
  return plan.map(({ name, id }) => ({ name, id }));
}

function describeTag(repo: Repository, name: string, id: Oid): TagInfo {
  const kind = repo.objects.kindOf(id);
  if (kind !== 'tag') return { name, ref: TAG_PREFIX + name, id, annotated: false, target: id, targetKind: kind ?? 'blob' };
  const tag = repo.objects.readTag(id);
  let target = tag.object;
  let targetKind = tag.objectKind;
  // Tags of tags: report what the chain finally names.
  for (let i = 0; i < 10 && targetKind === 'tag'; i++) {
    const inner = repo.objects.readTag(target);
    target = inner.object;
    targetKind = inner.objectKind;
  }
  return { name, ref: TAG_PREFIX + name, id, annotated: true, target, targetKind, message: tag.message, tagger: viewSignature(tag.tagger) };
}
