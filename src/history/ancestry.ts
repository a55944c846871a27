import type { Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';

/**
 * True when `ancestor` is `descendant` or reachable from it through parents. Walks
 * newest-first by committer time and stops early once every frontier commit is older
 * than the ancestor, which keeps the common "is it merged?" case short.
 */
export function isAncestor(repo: Repository, ancestor: Oid, descendant: Oid): boolean {
  if (ancestor === descendant) return true;
  const target = repo.objects.readCommit(ancestor).committer.ms;
  const seen = new Set<Oid>([descendant]);
  const frontier: Array<{ id: Oid; ms: number }> = [{ id: descendant, ms: repo.objects.readCommit(descendant).committer.ms }];
  // Clock skew could hide the ancestor behind an older-looking commit; keep walking for
  // this many commits older than the target before concluding it is not there.
  let slop = 100;
  while (frontier.length > 0) {
    frontier.sort((a, b) => a.ms - b.ms);
    const { id, ms } = frontier.pop()!;
    if (ms < target && --slop <= 0) break;
    for (const p of repo.objects.readCommit(id).parents) {
      if (p === ancestor) return true;
      if (seen.has(p)) continue;
      seen.add(p);
      frontier.push({ id: p, ms: repo.objects.readCommit(p).committer.ms });
    }
  }
  return false;
}
