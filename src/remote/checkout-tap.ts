import type { Oid } from '../hash/index.js';
import type { DecodedObject } from '../objects/index.js';
import type { PreparedContent } from '../worktree/index.js';
import type { ContentTap } from './import-objects.js';

/**
 * Has a fetch write out the files of one commit as their content arrives and verifies,
 * so the checkout that follows (a clone's) moves them into place rather than decoding
 * everything a second time. It learns which content ids the commit's tree holds from
 * the trees as they arrive; trees come before the content they list, so almost every
 * file is known in time (one reached first through an older tree is simply checked out
 * from the store as usual).
 */
export class CheckoutTap implements ContentTap {
  private readonly trees = new Set<Oid>();
  private readonly files = new Set<Oid>();

  constructor(private readonly commit: Oid, readonly prepared: PreparedContent) {}

  /** Sees each structured object of the transfer as it is verified. */
  observe(id: Oid, obj: DecodedObject): void {
    if (obj.kind === 'commit' && id === this.commit) this.trees.add(obj.commit.tree);
    if (obj.kind !== 'tree' || !this.trees.has(id)) return;
    for (const e of obj.tree.entries) {
      if (e.kind === 'tree') this.trees.add(e.id);
      else if (e.kind === 'file' || e.kind === 'exec') this.files.add(e.id);
    }
  }

  wants(id: Oid): boolean { return this.files.has(id); }
  start(id: Oid, size: number): void { this.prepared.start(id, size); }
  pathOf(id: Oid): string { return this.prepared.pathOf(id); }
  write(id: Oid, bytes: Uint8Array, position: number): void { this.prepared.write(id, bytes, position); }
  end(id: Oid, verified: boolean): void { this.prepared.end(id, verified); }
}
