import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar-stream';
import { InvalidInputError } from '../../errors/index.js';
import type { Oid } from '../../hash/index.js';
import { peel, resolveRevision } from '../../history/index.js';
import { BRANCH_PREFIX, HEAD, TAG_PREFIX } from '../../refs/index.js';
import type { Repository } from '../../repo/index.js';
import { collectObjects, type WalkNode } from '../collect-objects.js';
import { inlineRecord } from '../../store/index.js';
import { storeSource } from '../store-source.js';
import { BUNDLE_FORMAT, HEADER_NAME, OBJECT_DIR, type BundleHeader } from './bundle-format.js';

export interface CreateBundleResult {
  file: string;
  refs: Record<string, Oid>;
  prerequisites: Oid[];
  objects: number;
  bytes: number;
}

/** What a list of range arguments (`main`, `v1..main`, `^v1`) includes and excludes. */
export interface BundleRange { include: Array<{ rev: string; id: Oid; ref: string | null }>; exclude: Oid[] }

/** Resolves range arguments; each included branch or tag name becomes a ref of the bundle. */
export function resolveBundleRange(repo: Repository, args: string[]): BundleRange {
  const include: BundleRange['include'] = [];
  const exclude: Oid[] = [];
  for (const arg of args) {
    const dots = arg.indexOf('..');
    if (dots >= 0) {
      const [from, to] = [arg.slice(0, dots), arg.slice(dots + 2)];
      if (from === '' || to === '' || to.includes('..')) throw new InvalidInputError(`invalid range '${arg}'`, { hint: 'write FROM..TO, e.g. v1..main' });
      exclude.push(peel(repo, resolveRevision(repo, from), 'commit', from));
      include.push(included(repo, to));
    } else if (arg.startsWith('^')) {
      exclude.push(peel(repo, resolveRevision(repo, arg.slice(1)), 'commit', arg.slice(1)));
    } else {
      include.push(included(repo, arg));
    }
  }
  if (include.length === 0) throw new InvalidInputError('the range includes nothing', { hint: 'name a branch or tag, e.g. `dv bundle create FILE main`' });
  return { include, exclude };
}

function included(repo: Repository, rev: string): BundleRange['include'][number] {
  const id = resolveRevision(repo, rev);
  let ref: string | null = null;
  if (rev === HEAD) {
    const target = repo.refs.resolveName(HEAD);
    ref = target.startsWith(BRANCH_PREFIX) ? target : null;
  } else {
    for (const candidate of [rev, BRANCH_PREFIX + rev, TAG_PREFIX + rev]) {
      if ((candidate.startsWith(BRANCH_PREFIX) || candidate.startsWith(TAG_PREFIX)) && repo.refs.resolve(candidate) === id) { ref = candidate; break; }
    }
  }
  return { rev, id, ref };
}

/**
 * Writes a bundle of the objects reachable from the range's included revisions minus
 * those reachable from its excluded ends, with the included branches and tags as its
 * refs. Written to a temporary name and renamed, so FILE never holds half a bundle.
 */
export async function createBundle(repo: Repository, file: string, args: string[]): Promise<CreateBundleResult> {
  const range = resolveBundleRange(repo, args);
  const refs: Record<string, Oid> = {};
  for (const i of range.include) if (i.ref) refs[i.ref] = i.id;
  if (Object.keys(refs).length === 0) {
    throw new InvalidInputError(`the range ${args.join(' ')} names no branch or tag, so the bundle would offer no ref`, { hint: 'name a branch or tag, e.g. v1..main' });
  }
  const source = storeSource(repo.objects);
  // Everything the receiver already has: what the excluded commits reach.
  const excluded = range.exclude.length
    ? new Set((await collectObjects({ source, has: async (ids) => ids.map(() => false), tips: range.exclude })).ids)
    : new Set<Oid>();
  const collected = await collectObjects({ source, has: async (ids) => ids.map((id) => excluded.has(id)), tips: range.include.map((i) => i.id), known: range.exclude });
  const headRef = repo.refs.resolveName(HEAD);
  const branches = Object.keys(refs).filter((r) => r.startsWith(BRANCH_PREFIX));
  const header: BundleHeader = {
    format: BUNDLE_FORMAT,
    refs,
    head: headRef in refs ? headRef : branches.includes(`${BRANCH_PREFIX}main`) ? `${BRANCH_PREFIX}main` : (branches[0] ?? null),
    prerequisites: [...new Set(range.exclude)],
    objects: collected.ids.length,
  };

  const target = path.resolve(file);
  const tmp = `${target}.tmp-${process.pid}`;
  const pack = tar.pack();
  const out = fs.createWriteStream(tmp, { flags: 'wx' });
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
    pack.on('error', reject);
  });
  pack.pipe(out);
  let bytes = 0;
  const put = (name: string, data: Buffer): Promise<void> => new Promise((resolve, reject) => {
    pack.entry({ name, size: data.length, mode: 0o644, mtime: new Date(0) }, data, (err) => (err ? reject(err) : resolve()));
  });
  try {
    await put(HEADER_NAME, Buffer.from(JSON.stringify(header, null, 1) + '\n'));
    for (const id of referentsFirst(collected.ids, collected.nodes)) {
      const rec = inlineRecord(repo.objects.readPayload(id)!);
      await put(OBJECT_DIR + id, rec);
      bytes += rec.length;
      // Let the file catch up so memory stays flat.
      if (out.writableLength > 16 * 1024 * 1024) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    pack.finalize();
    await done;
    fs.renameSync(tmp, target);
  } catch (err) {
    pack.destroy();
    out.destroy();
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return { file: target, refs, prerequisites: header.prerequisites, objects: collected.ids.length, bytes };
}

/**
 * The send order with every file object moved after its chunks, so that in a bundle
 * every object comes after everything it refers to and a reader can verify each one as
 * it comes.
 */
function referentsFirst(ids: Oid[], nodes: Map<Oid, WalkNode>): Oid[] {
  const inSet = new Set(ids);
  const out: Oid[] = [];
  const emitted = new Set<Oid>();
  const waiting = new Map<Oid, Array<{ file: Oid; missing: Set<Oid> }>>();
  const emit = (id: Oid): void => {
    out.push(id);
    emitted.add(id);
    for (const w of waiting.get(id) ?? []) {
      w.missing.delete(id);
      if (w.missing.size === 0) emit(w.file);
    }
    waiting.delete(id);
  };
  for (const id of ids) {
    const node = nodes.get(id)!;
    const missing = node.kind === 'file' ? new Set(node.links.filter((l) => inSet.has(l) && !emitted.has(l))) : new Set<Oid>();
    if (missing.size === 0) { emit(id); continue; }
    const w = { file: id, missing };
    for (const l of missing) waiting.set(l, [...(waiting.get(l) ?? []), w]);
  }
  return out;
}
