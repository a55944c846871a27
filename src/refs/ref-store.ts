import { ConflictError, CorruptObjectError, NotFoundError } from '../errors/index.js';
import { isOid, type Oid } from '../hash/index.js';
import { bumpGeneration, type StoreEnv } from '../store/index.js';
import { HEAD } from './ref-name.js';

/** A ref points at an object, or (HEAD only, in practice) at another ref. */
export type RefValue = { oid: Oid } | { symbolic: string };

/** One line of a reflog. */
export interface ReflogEntry {
  ref: string;
  old: Oid | null;
  new: Oid | null;
  who: string;
  ms: number;
  message: string;
}

/** A requested update: `expect` null means "must not exist", undefined means "any". */
export interface RefUpdate {
  name: string;
  new: Oid | null;
  expect?: Oid | null;
  message: string;
  /** Who to record in the reflog (defaults to the repository identity; a server passes the token name). */
  who?: string;
}

const MAX_SYMBOLIC_DEPTH = 5;

/** Reads and updates refs in the repository's LMDB environment. */
export class RefStore {
  constructor(private readonly env: StoreEnv, private readonly who: () => string) {}

  /** The raw value of a ref, or undefined. */
  read(name: string): RefValue | undefined {
    const v = this.env.refs.get(name) as RefValue | undefined;
    if (v === undefined) return undefined;
    if ('oid' in v && isOid(v.oid)) return v;
    if ('symbolic' in v && typeof v.symbolic === 'string') return v;
    throw new CorruptObjectError(`ref ${name} is malformed`, { data: { name } });
  }

  /** Follows symbolic refs to the final ref name (HEAD → refs/heads/main). */
  resolveName(name: string): string {
    let cur = name;
    for (let i = 0; i < MAX_SYMBOLIC_DEPTH; i++) {
      const v = this.read(cur);
      if (!v || !('symbolic' in v)) return cur;
      cur = v.symbolic;
    }
    throw new CorruptObjectError(`ref ${name} has a symbolic loop`);
  }

  /** The object a ref finally points at, or undefined (unborn branch, missing ref). */
  resolve(name: string): Oid | undefined {
    const v = this.read(this.resolveName(name));
    return v && 'oid' in v ? v.oid : undefined;
  }

  /** Ref names under a prefix, sorted. */
  list(prefix = 'refs/'): Array<{ name: string; oid: Oid }> {
    const out: Array<{ name: string; oid: Oid }> = [];
    for (const { key, value } of this.env.refs.getRange({ start: prefix, end: prefix + '\uffff' })) {
      const v = value as RefValue;
      if ('oid' in v) out.push({ name: String(key), oid: v.oid });
    }
    return out;
  }

  /** Points a ref at another ref (HEAD at a branch). */
  setSymbolic(name: string, target: string, message: string): void {
    this.env.root.transactionSync(() => {
      const before = this.resolve(name) ?? null;
      this.env.refs.putSync(name, { symbolic: target });
      const after = this.resolve(name) ?? null;
      this.appendLog({ ref: name, old: before, new: after, who: this.who(), ms: Date.now(), message });
      bumpGeneration(this.env);
    });
  }

  /** Points a ref (HEAD when detaching) straight at an object, replacing a symbolic value. */
  setDetached(name: string, oid: Oid, message: string): void {
    this.env.root.transactionSync(() => {
      const before = this.resolve(name) ?? null;
      this.env.refs.putSync(name, { oid });
      this.appendLog({ ref: name, old: before, new: oid, who: this.who(), ms: Date.now(), message });
      bumpGeneration(this.env);
    });
  }

  /** Applies one compare-and-swap update (see updateMany). */
  update(u: RefUpdate): void {
    this.updateMany([u]);
  }

  /**
   * Applies updates atomically: every `expect` is checked first inside one write
   * transaction; if any differs nothing changes and ConflictError is thrown. Updating
   * HEAD while it is symbolic updates its branch and logs both.
   */
  updateMany(updates: RefUpdate[]): void {
    const defaultWho = this.who();
    const ms = Date.now();
    this.env.root.transactionSync(() => {
      const resolved = updates.map((u) => ({ ...u, target: this.resolveName(u.name) }));
      for (const u of resolved) {
        const cur = this.resolve(u.target) ?? null;
        if (u.expect !== undefined && cur !== u.expect) {
          throw new ConflictError(`ref ${u.name} moved: expected ${u.expect ?? 'none'}, found ${cur ?? 'none'}`, {
            data: { ref: u.name, expected: u.expect, found: cur },
            hint: 'another process updated it; run the command again',
          });
        }
      }
      for (const u of resolved) {
        const cur = this.resolve(u.target) ?? null;
        const who = u.who ?? defaultWho;
        if (u.new === null) this.env.refs.removeSync(u.target);
        else this.env.refs.putSync(u.target, { oid: u.new });
        this.appendLog({ ref: u.target, old: cur, new: u.new, who, ms, message: u.message });
        if (u.target !== u.name) this.appendLog({ ref: u.name, old: cur, new: u.new, who, ms, message: u.message });
        else if (u.name !== HEAD && this.resolveName(HEAD) === u.name) {
          this.appendLog({ ref: HEAD, old: cur, new: u.new, who, ms, message: u.message });
        }
      }
      bumpGeneration(this.env);
    });
  }

  /** Deletes a ref; throws NotFoundError if absent. */
  delete(name: string, message: string): Oid {
    const cur = this.resolve(name);
    if (!cur) throw new NotFoundError(`ref ${name} does not exist`);
    this.update({ name, new: null, expect: cur, message });
    return cur;
  }

  /** Reflog entries of a ref, newest first. */
  reflog(name: string, limit = Infinity): ReflogEntry[] {
    const out: ReflogEntry[] = [];
    for (const { value } of this.env.reflog.getRange({ start: [name, Number.MAX_SAFE_INTEGER], end: [name, -1], reverse: true })) {
      out.push(value as ReflogEntry);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Every oid any reflog mentions (gc keeps them). */
  *reflogOids(): Generator<Oid> {
    for (const { value } of this.env.reflog.getRange()) {
      const e = value as ReflogEntry;
      if (e.old) yield e.old;
      if (e.new) yield e.new;
    }
  }

  private appendLog(e: ReflogEntry): void {
    let seq = 0;
    for (const { key } of this.env.reflog.getRange({ start: [e.ref, Number.MAX_SAFE_INTEGER], end: [e.ref, -1], reverse: true, limit: 1 })) {
      seq = (key as [string, number])[1] + 1;
    }
    this.env.reflog.putSync([e.ref, seq], e);
  }
}
