import type { ContractCheck } from './check-contracts.js';
import type { ContractViolation } from './violation.js';

/** One violation in words: `column ts: expected type date (YYYY-MM-DD), found 3 of 10 rows that do not`. */
export function describeViolation(v: ContractViolation): string {
  const what = v.column ? `column ${v.column}` : v.rule === 'rows' ? 'row count' : v.rule === 'max_change' ? 'change from the previous version' : v.rule;
  return `${what}: expected ${v.expected}, found ${v.found}`;
}

/** A failed check explained in a few sentences (the incident's explanation). */
export function explainViolations(c: ContractCheck): string {
  const head = `contract "${c.contract}" failed for ${c.path}${c.data ? ` (content ${c.data.slice(0, 12)})` : ''}:`;
  return [head, ...c.violations.map((v) => `  ${describeViolation(v)}`)].join('\n');
}

const BY_RULE: Record<ContractViolation['rule'], string> = {
  columns: 'the columns changed upstream: fix the file, or update the columns of the contract in dv.yaml if the new layout is intended',
  type: 'values changed form upstream (for example a date format): convert them back, or change the column type in dv.yaml if the new form is intended',
  nullable: 'rows lost required values: fix the upstream data, or set nullable: true for the column in dv.yaml',
  unique: 'the file repeats key values: remove the duplicate rows upstream',
  min: 'values fell below the allowed range: check the rows listed and correct them upstream, or widen min in dv.yaml',
  max: 'values exceed the allowed range: check the rows listed and correct them upstream, or widen max in dv.yaml',
  allowed: 'new values appeared: correct them upstream, or add them to allowed in dv.yaml',
  pattern: 'values no longer match the pattern: correct them upstream, or update pattern in dv.yaml',
  rows: 'the row count is out of bounds: check the file is complete (a truncated download?)',
  max_change: 'this version changes more rows than the contract allows: review it with `dv diff --rows`; if it is right, commit with --no-verify or raise max_change in dv.yaml',
  freshness: 'the data is stale: fetch a newer version (`dv source update`)',
};

/** The suggested next step for a failed check, from its first violation. */
export function suggestFor(c: ContractCheck): string {
  const first = c.violations[0];
  return first ? BY_RULE[first.rule] : 'check the file';
}
