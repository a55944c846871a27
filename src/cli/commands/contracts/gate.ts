import type { ContractReport } from '../../../contracts/index.js';
import { DvError } from '../../../errors/index.js';
import type { Repository } from '../../../repo/index.js';
import { note } from '../../output.js';
import { formatCheck } from './format.js';

/**
 * Runs the contract gate for staged content and returns the commit meta to record; on a
 * failure prints the failed checks on stderr and rethrows (the commit does not happen).
 */
export async function runGate(repo: Repository, opts: { skip: boolean; operation?: string }): Promise<{ contracts?: unknown[] }> {
  const { gateStaged } = await import('../../../contracts/index.js');
  try {
    const meta = await gateStaged(repo, opts);
    return meta.length > 0 ? { contracts: meta } : {};
  } catch (err) {
    printFailure(err);
    throw err;
  }
}

/** Prints the failed checks a ContractError carries (the error line itself comes after). */
export function printFailure(err: unknown): void {
  if (!(err instanceof DvError) || err.code !== 'ECONTRACT') return;
  const report = err.data.report as ContractReport | undefined;
  for (const c of report?.checks.filter((x) => !x.passed) ?? []) for (const line of formatCheck(c)) note(line);
}
