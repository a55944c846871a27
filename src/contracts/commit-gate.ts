import { ContractError } from '../errors/index.js';
import { flattenTree } from '../history/index.js';
import { HEAD } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import type { RepoPath } from '../util/index.js';
import { readIndex } from '../worktree/index.js';
import { checkContracts, contractsFor, readContracts, type ContractReport } from './check-contracts.js';
import { suggestFor } from './explain.js';

/** What a commit records about its contract checks (commit meta `contracts`). */
export type ContractMeta =
  | { path: string; contract: string; data: string | null; passed: true }
  | { skipped: true; paths: string[] };

/**
 * The check before a commit (or any operation that records staged content): staged files
 * that differ from HEAD and have a contract are checked; a failure archives an incident
 * and throws ContractError carrying the report, so nothing is committed. `skip` (from
 * --no-verify) checks nothing and records that it was skipped.
 */
export async function gateStaged(repo: Repository, opts: { skip?: boolean; operation?: string } = {}): Promise<ContractMeta[]> {
  const contracts = readContracts(repo);
  if (contracts.length === 0) return [];
  const head = repo.refs.resolve(HEAD);
  const headTree = flattenTree(repo.objects, head ? repo.objects.readCommit(head).tree : null);
  const staged: RepoPath[] = [];
  for (const [p, e] of readIndex(repo).entries) {
    if (headTree.get(p)?.id === e.id || contractsFor(contracts, p).length === 0) continue;
    staged.push(p);
  }
  if (staged.length === 0) return [];
  if (opts.skip) return [{ skipped: true, paths: staged }];
  const report = await checkContracts(repo, { index: true, paths: staged, operation: opts.operation ?? 'commit' });
  throwIfFailed(report, opts.operation ?? 'commit');
  return report.checks.map((c) => ({ path: c.path, contract: c.contract, data: c.data, passed: true as const }));
}

/** Throws ContractError (with the report as data) when any check failed. */
export function throwIfFailed(report: ContractReport, operation: string): void {
  if (report.passed) return;
  const failed = report.checks.filter((c) => !c.passed);
  const first = failed[0]!;
  const inc = report.incidents[0];
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : '';
  throw new ContractError(`contract "${first.contract}" failed for ${first.path}${more}; ${operation} stopped, nothing changed${inc ? ` (incident ${inc.slice(0, 12)})` : ''}`, {
    data: { report },
    hint: `${suggestFor(first)}${inc ? `; details: dv incident show ${inc.slice(0, 12)}` : ''}`,
  });
}
