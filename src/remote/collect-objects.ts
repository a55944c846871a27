import { RemoteError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import type { ObjectKind } from '../objects/index.js';
import { walkHistory } from './commit-history.js';
import { HAVE_BATCH } from './transport.js';

/** What the walk learns about one object from the side that holds it. */
export interface WalkNode {
  kind: ObjectKind;
  /** Everything the object needs to be complete: children, chunks, run records, a delta's base. */
  links: Oid[];
}

/** The side the objects come from (the local store for a push, the remote for a fetch). */
export interface WalkSource {
  /** The nodes of the given ids; every id must be returned. */
  load(ids: Oid[]): Promise<Map<Oid, WalkNode>>;
  /**
   * The parents of a commit, when the source can read commits cheaply (a local store):
   * the walk then follows history locally and asks about every commit in a few batches
   * instead of one round trip per generation. Undefined for an id that is not a commit.
   */
  parentsOf?(id: Oid): Oid[] | undefined;
  /**
   * Ids the receiver must hold because it holds commit `held`: the entries of `held`'s
   * trees along the paths where `commit`'s tree differs from it (a local tree diff that
   * spares asking about every unchanged file next to a changed one).
   */
  heldAlongside?(commit: Oid, held: Oid): Iterable<Oid>;
}

export interface CollectOptions {
  source: WalkSource;
  /** Whether the receiving side holds each id (batched here, at most HAVE_BATCH per call). */
  has: (ids: Oid[]) => Promise<boolean[]>;
  /** Objects to make complete on the receiving side (commits, tags, trees…). */
  tips: Oid[];
  /** Ids the receiver is known to hold (its ref tips): not asked about, not walked past. */
  known?: Iterable<Oid>;
  batchSize?: number;
}

export interface CollectResult {
  /** The objects the receiver lacks, referents before the objects that refer to them (a file object just before the first of its chunks). */
  ids: Oid[];
  /** Their nodes (kind and links), for senders that want them. */
  nodes: Map<Oid, WalkNode>;
  /** How many ids were asked about, and in how many calls. */
  asked: number;
  calls: number;
}

/**
 * Computes what the receiving side lacks to hold `tips` completely: walks from the tips,
 * asks "have?" in batches, and does not descend into what the receiver holds (a commit it
 * has stops the history walk; a tree it has prunes the whole subtree; a chunk it has is
 * not sent). A delta's base is included when the receiver lacks it. The result is in
 * send order: an object comes after everything it refers to, which keeps the store
 * invariant (holding an object means holding all of it) across interruptions. (A file
 * object comes just before the first of its chunks; receivers store it only once they are in.)
 */
export async function collectObjects(opts: CollectOptions): Promise<CollectResult> {
  const batchSize = opts.batchSize ?? HAVE_BATCH;
  const answers = new Map<Oid, boolean>();
  for (const id of opts.known ?? []) answers.set(id, true);
  let asked = 0;
  let calls = 0;

  /** Fills `answers` for the ids not yet asked about. */
  const ask = async (ids: Oid[]): Promise<void> => {
    const unknown = [...new Set(ids)].filter((id) => !answers.has(id));
    for (let i = 0; i < unknown.length; i += batchSize) {
      const part = unknown.slice(i, i + batchSize);
      const res = await opts.has(part);
      if (res.length !== part.length) throw new RemoteError(`the remote answered ${res.length} of ${part.length} "have?" questions`);
      part.forEach((id, j) => answers.set(id, res[j] === true));
      asked += part.length;
      calls++;
    }
  };

  // History first, when the source knows it (a local store, or a remote's history answer):
  // one batch of questions instead of one per generation, and every commit the receiver
  // lacks joins the first generation, so a long history takes a few round trips, not one per commit.
  const frontier = [...opts.tips];
  if (opts.source.parentsOf) {
    const history = walkHistory(opts.source.parentsOf, opts.tips, opts.known ?? []);
    const commits = [...history.keys()];
    await ask(commits);
    for (const c of commits) if (answers.get(c) !== true) frontier.push(c);
    // What a held parent's trees hold need not be asked about.
    if (opts.source.heldAlongside) {
      for (const [c, parents] of history) {
        if (answers.get(c) === true) continue;
        for (const p of parents) {
          if (answers.get(p) !== true) continue;
          for (const id of opts.source.heldAlongside(c, p)) if (!answers.has(id)) answers.set(id, true);
        }
      }
    }
  }

  const nodes = new Map<Oid, WalkNode>();
  const decided = new Set<Oid>();
  for (let generation = frontier; generation.length > 0;) {
    const candidates: Oid[] = [];
    for (const id of generation) {
      if (decided.has(id)) continue;
      decided.add(id);
      candidates.push(id);
    }
    if (candidates.length === 0) break;
    await ask(candidates);
    const lacking = candidates.filter((id) => answers.get(id) !== true);
    const loaded = lacking.length > 0 ? await opts.source.load(lacking) : new Map<Oid, WalkNode>();
    const next: Oid[] = [];
    for (const id of lacking) {
      const node = loaded.get(id);
      if (!node) throw new RemoteError(`object ${id} is needed but the sending side did not provide it`, { data: { id } });
      nodes.set(id, node);
      for (const l of node.links) if (!decided.has(l)) next.push(l);
    }
    generation = next;
  }
  return { ids: sendOrder(nodes, opts.tips), nodes, asked, calls };
}

/**
 * Orders the objects reachable from `tips` so each comes after the objects it links to
 * (depth-first post-order), except file objects: each comes just before the first of its
 * chunks to be sent. The receiver holds a file object back and hashes the file's content
 * from its chunks as they stream in. A chunk shared by several versions of a file, or the
 * base of a chain of deltas that older versions end in, is then hashed for every file that
 * lists it the one time it arrives; a file object sent after its chunks (as the walk from
 * the newest commit reaches older versions) would have them read back and decoded again.
 * A node the tips do not reach (a commit a lying history answer named) is left out.
 */
function sendOrder(nodes: Map<Oid, WalkNode>, tips: Oid[]): Oid[] {
  const reached = postOrder(nodes, tips);
  const filesOf = new Map<Oid, Oid[]>();
  for (const id of reached) {
    const node = nodes.get(id)!;
    if (node.kind !== 'file') continue;
    for (const chunk of node.links) {
      const list = filesOf.get(chunk);
      if (!list) filesOf.set(chunk, [id]);
      else if (list[list.length - 1] !== id) list.push(id);
    }
  }
  const out: Oid[] = [];
  const sent = new Set<Oid>();
  const send = (id: Oid): void => {
    if (sent.has(id)) return;
    sent.add(id);
    out.push(id);
  };
  for (const id of reached) {
    if (nodes.get(id)!.kind === 'file') {
      // A file with no chunk to send (all held already) goes where the walk leaves it.
      send(id);
      continue;
    }
    for (const file of filesOf.get(id) ?? []) send(file);
    send(id);
  }
  return out;
}

/** The nodes the tips reach, each after the nodes it links to (depth-first post-order). */
function postOrder(nodes: Map<Oid, WalkNode>, tips: Oid[]): Oid[] {
  const out: Oid[] = [];
  const done = new Set<Oid>();
  for (const root of tips) {
    if (done.has(root) || !nodes.has(root)) continue;
    done.add(root);
    const stack = [{ id: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const links = nodes.get(top.id)!.links;
      let pushed = false;
      while (top.next < links.length) {
        const l = links[top.next++]!;
        if (!done.has(l) && nodes.has(l)) {
          done.add(l);
          stack.push({ id: l, next: 0 });
          pushed = true;
          break;
        }
      }
      if (!pushed) {
        out.push(top.id);
        stack.pop();
      }
    }
  }
  return out;
}
