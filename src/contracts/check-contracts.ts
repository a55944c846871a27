import path from 'node:path';
import { keyFor, readKeyRules, storeSource, type KeyRule } from '../diff/index.js';
import { createHasher, type Oid } from '../hash/index.js';
import { flattenTree, lookupPath, resolveCommit } from '../history/index.js';
import { loadProjectFile } from '../project/index.js';
import { HEAD } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { diffRows, fileChunkSource, tableFormatOf, type ChunkSource, type RowChange, type TableFormat } from '../rows/index.js';
import { isUnder, matchesGlob, now, type RepoPath } from '../util/index.js';
import { cleanWorktreeCopy, loadIgnoreRules, readIndex, scanWorktree } from '../worktree/index.js';
import { checkTableAuto } from './check-table-split.js';
import { SAMPLE_ROWS, type ContractViolation } from './violation.js';
import { parseContracts, type Contract } from './contract-spec.js';
import { recordIncident } from './incidents.js';
import { explainViolations, suggestFor } from './explain.js';

/** The result of one contract on one file. */
export interface ContractCheck {
  path: RepoPath;
  /** The contract's path or glob, as in dv.yaml. */
  contract: string;
  /** Id of the content checked. */
  data: Oid | null;
  format: TableFormat | null;
  rows: number;
  passed: boolean;
  violations: ContractViolation[];
  /** Rows changed relative to the previous version, when the contract limits it. */
  change?: { previous: Oid; previousRows: number; changed: number; removed: number; added: number };
}

/** Every contract check of one run, and the incidents archived for the failures. */
export interface ContractReport {
  /** What was checked: `worktree`, `index`, or a commit id. */
  target: string;
  passed: boolean;
  checks: ContractCheck[];
  /** Ids of incidents recorded for the failed checks. */
  incidents: Oid[];
}

export interface CheckContractsOptions {
  /** Check a commit's content (default: the working tree). */
  rev?: string;
  /** Check the staged content (what `dv commit` would record). */
  index?: boolean;
  /** Only these paths (or paths under them). */
  paths?: RepoPath[];
  /** The operation being gated, recorded in incidents (default `validate`). */
  operation?: string;
  /** Archive an incident per failed check (default true). */
  archive?: boolean;
  /** Memory budget of the row diff behind max_change. */
  memoryBudget?: number;
}

/** One file to check: its content, and the previous version's for max_change. */
export interface CheckInput {
  path: RepoPath;
  source: ChunkSource;
  /** Known id, or null (then hashed only if the check fails, for the incident). */
  id: Oid | null;
  previous: { id: Oid; source: ChunkSource } | null;
}

/** The contracts of dv.yaml (none in a bare repository). */
export function readContracts(repo: Repository): Contract[] {
  if (repo.root === null) return [];
  return parseContracts(loadProjectFile(repo.root).sections.contracts);
}

/** The contracts that apply to a path. */
export function contractsFor(contracts: readonly Contract[], p: string): Contract[] {
  return contracts.filter((c) => matchesGlob(p, c.pattern));
}

/**
 * Checks every file that has a contract in the working tree (default), the index, or a
 * commit; archives an incident per failure unless `archive` is false. Pipelines call it
 * with `paths` (a stage's inputs) before running the stage.
 */
export async function checkContracts(repo: Repository, opts: CheckContractsOptions = {}): Promise<ContractReport> {
  const contracts = readContracts(repo);
  const target = opts.rev !== undefined ? resolveCommit(repo, opts.rev) : opts.index ? 'index' : 'worktree';
  const inputs = contracts.length === 0 ? [] : collectInputs(repo, contracts, opts);
  const at = opts.rev !== undefined ? repo.objects.readCommit(target as Oid).committer.ms : now().ms;
  return checkInputs(repo, inputs, { contracts, target, now: at, operation: opts.operation ?? 'validate', archive: opts.archive, memoryBudget: opts.memoryBudget });
}

/** Checks given inputs against the contracts that match them (used for content not yet in place, like a download). */
export async function checkInputs(repo: Repository, inputs: CheckInput[], opts: { contracts?: Contract[]; target: string; now?: number; operation: string; archive?: boolean; memoryBudget?: number }): Promise<ContractReport> {
  const contracts = opts.contracts ?? readContracts(repo);
  const keys = readKeyRules(repo);
  const checks: ContractCheck[] = [];
  for (const input of inputs) {
    for (const c of contractsFor(contracts, input.path)) checks.push(await checkOne(input, c, keys, opts.now ?? now().ms, opts.memoryBudget));
  }
  const report: ContractReport = { target: opts.target, passed: checks.every((c) => c.passed), checks, incidents: [] };
  if (opts.archive !== false) {
    for (const c of checks.filter((x) => !x.passed)) {
      report.incidents.push(await recordIncident(repo, {
        type: 'contract', contract: c.contract, path: c.path, data: c.data, target: opts.target, operation: opts.operation,
        explanation: explainViolations(c), suggestion: suggestFor(c), violations: c.violations,
      }));
    }
  }
  return report;
}

async function checkOne(input: CheckInput, contract: Contract, keys: KeyRule[], at: number, memoryBudget?: number): Promise<ContractCheck> {
  const format = tableFormatOf(input.path);
  if (!format) {
    return {
      path: input.path, contract: contract.pattern, data: input.id, format: null, rows: 0, passed: false,
      violations: [{ rule: 'columns', expected: 'a CSV, TSV or JSONL file (by its extension)', found: `${path.extname(input.path) || 'no extension'}`, rows: [] }],
    };
  }
  let id = input.id;
  const source = input.source;
  const table = await checkTableAuto(source, format, contract, { now: at });
  const check: ContractCheck = { path: input.path, contract: contract.pattern, data: id, format, rows: table.rows, passed: true, violations: table.violations };
  if (contract.maxChange && input.previous && input.previous.id !== id) {
    const limit = contract.maxChange;
    const samples: Record<RowChange['kind'], RowChange[]> = { changed: [], removed: [], added: [] };
    const d = diffRows(input.previous.source, input.source, {
      format, key: contract.key ?? keyFor(keys, input.path), memoryBudget,
      onRow: (r) => { if (samples[r.kind].length < SAMPLE_ROWS) samples[r.kind].push(r); },
    });
    const prev = d.summary.oldRows;
    check.change = { previous: input.previous.id, previousRows: prev, changed: d.summary.changed, removed: d.summary.removed, added: d.summary.added };
    for (const kind of ['changed', 'removed', 'added'] as const) {
      const max = limit[kind];
      if (max === undefined) continue;
      const n = d.summary[kind];
      const share = prev === 0 ? (n === 0 ? 0 : Infinity) : n / prev;
      if (share > max) {
        check.violations.push({
          rule: 'max_change', column: undefined,
          expected: `at most ${pct(max)} of the ${prev} previous rows ${kind}`,
          found: `${n} rows ${kind} (${Number.isFinite(share) ? pct(share) : 'all new'})`,
          count: n,
          rows: samples[kind].map((r) => ({ line: (kind === 'removed' ? r.oldLine : r.newLine) ?? 0, values: changeValues(r) })),
        });
      }
    }
  }
  check.passed = check.violations.length === 0;
  // Content not hashed yet is hashed only when the incident needs to name it.
  if (!check.passed && id === null) id = hashSource(source);
  check.data = id;
  return check;
}

function hashSource(source: ChunkSource): Oid {
  const h = createHasher();
  for (const piece of { [Symbol.iterator]: () => source.open() }) h.update(piece);
  return h.digest();
}

function changeValues(r: RowChange): Record<string, string> {
  const out: Record<string, string> = { ...(r.key ?? {}) };
  if (r.cells) for (const c of r.cells) out[c.column] = `${c.old ?? ''} -> ${c.new ?? ''}`;
  else if (!r.key && r.row) Object.assign(out, r.row);
  return out;
}

function pct(x: number): string {
  return `${+(x * 100).toFixed(2)}%`;
}

/** The files to check for a target, with their previous versions for max_change. */
function collectInputs(repo: Repository, contracts: Contract[], opts: CheckContractsOptions): CheckInput[] {
  const wanted = (p: string) => contractsFor(contracts, p).length > 0 && (!opts.paths || opts.paths.some((q) => isUnder(p, q)));
  const needPrevious = contracts.some((c) => c.maxChange);
  const out: CheckInput[] = [];
  if (opts.rev !== undefined) {
    const commitId = resolveCommit(repo, opts.rev);
    const commit = repo.objects.readCommit(commitId);
    const parentTree = commit.parents[0] ? repo.objects.readCommit(commit.parents[0]).tree : null;
    for (const [p, e] of flattenTree(repo.objects, commit.tree)) {
      if (e.kind === 'symlink' || !wanted(p)) continue;
      out.push({ path: p, id: e.id, source: storeSource(repo, `${opts.rev}:${p}`, e.id, e.size, p), previous: needPrevious ? previousOf(repo, parentTree, p, commit.parents[0]?.slice(0, 12) ?? '') : null });
    }
    return out;
  }
  const head = repo.refs.resolve(HEAD);
  const headTree = head ? repo.objects.readCommit(head).tree : null;
  if (opts.index) {
    for (const [p, e] of readIndex(repo).entries) {
      if (e.kind === 'symlink' || !wanted(p)) continue;
      out.push({ path: p, id: e.id, source: storeSource(repo, `:${p}`, e.id, e.size, p), previous: needPrevious ? previousOf(repo, headTree, p, 'HEAD') : null });
    }
    return out;
  }
  const root = repo.worktree();
  const index = readIndex(repo).entries;
  for (const [p, st] of scanWorktree(root, '' as RepoPath, loadIgnoreRules(root))) {
    if (st.kind === 'symlink' || !wanted(p)) continue;
    const e = index.get(p);
    const abs = path.join(root, p);
    const clean = e ? cleanWorktreeCopy(repo, p, e.id) : null;
    out.push({ path: p, id: clean ? e!.id : null, source: fileChunkSource(abs, p), previous: needPrevious ? previousOf(repo, headTree, p, 'HEAD') : null });
  }
  return out;
}

function previousOf(repo: Repository, tree: Oid | null, p: RepoPath, label: string): CheckInput['previous'] {
  if (!tree) return null;
  const e = lookupPath(repo.objects, tree, p);
  if (!e || e.kind === 'tree' || e.kind === 'symlink') return null;
  return { id: e.id, source: storeSource(repo, `${label}:${p}`, e.id, e.size, p) };
}
