import type { ContractCheck, ContractReport, ContractViolation, Incident } from '../../../contracts/index.js';
import { describeViolation } from '../../../contracts/explain.js';

/** `dv validate` for people: one line per check, the violations of failures with their first rows. */
export function formatReport(r: ContractReport): string[] {
  if (r.checks.length === 0) return ['no file has a contract (declare them in dv.yaml `contracts:`)'];
  const out: string[] = [];
  for (const c of r.checks) out.push(...formatCheck(c));
  const failed = r.checks.filter((c) => !c.passed).length;
  out.push(failed === 0 ? `${r.checks.length} contract check${r.checks.length === 1 ? '' : 's'} passed` : `${failed} of ${r.checks.length} contract checks failed`);
  for (const id of r.incidents) out.push(`incident ${id.slice(0, 12)} recorded (dv incident show ${id.slice(0, 12)})`);
  return out;
}

/** One check: `ok   data/a.csv  (contract "data/*.csv", 1000 rows)` or `FAIL …` and its violations. */
export function formatCheck(c: ContractCheck): string[] {
  const head = `${c.passed ? 'ok  ' : 'FAIL'} ${c.path}  (contract "${c.contract}", ${c.rows} rows${c.data ? `, ${c.data.slice(0, 12)}` : ''})`;
  return [head, ...c.violations.flatMap(formatViolation)];
}

/** A violation and its first rows with values. */
export function formatViolation(v: ContractViolation): string[] {
  const out = [`  ${describeViolation(v)}`];
  for (const row of v.rows) {
    const value = row.values ? Object.entries(row.values).map(([k, x]) => `${k}=${JSON.stringify(x)}`).join(' ') : row.value === null ? '(empty)' : JSON.stringify(row.value);
    out.push(`    line ${row.line}: ${value}${row.firstLine ? ` (first at line ${row.firstLine})` : ''}`);
  }
  if (v.count !== undefined && v.count > v.rows.length && v.rows.length > 0) out.push(`    … ${v.count - v.rows.length} more`);
  return out;
}

/** `dv incident list` line: id, status, date, contract and path. */
export function formatIncidentLine(i: Incident): string {
  return `${i.id.slice(0, 12)}  ${i.status.padEnd(8)}  ${new Date(i.created).toISOString().slice(0, 19)}Z  ${i.operation.padEnd(13)} ${i.path}  (contract "${i.contract}")`;
}

/** `dv incident show`: the whole record. */
export function formatIncident(i: Incident): string[] {
  const out = [
    `incident ${i.id}`,
    `status:    ${i.status}`,
    `created:   ${new Date(i.created).toISOString()} by ${i.who}`,
    `operation: ${i.operation} (checked ${i.target === 'worktree' || i.target === 'index' ? `the ${i.target}` : `commit ${i.target.slice(0, 12)}`})`,
    `contract:  ${i.contract}`,
    `path:      ${i.path}`,
    `data:      ${i.data ?? '(unknown)'}`,
    '',
    `contract "${i.contract}" failed:`,
    ...i.violations.flatMap(formatViolation),
    '',
    `suggested: ${i.suggestion}`,
  ];
  if (i.resolution) out.push(`resolved:  ${new Date(i.resolution.ms).toISOString()} by ${i.resolution.who}`, `           ${i.resolution.note}`);
  return out;
}
