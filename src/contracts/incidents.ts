import { AmbiguousError, ConflictError, CorruptObjectError, NotFoundError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import type { Repository } from '../repo/index.js';
import { withWriterLease } from '../store/index.js';
import { now } from '../util/index.js';
import type { ContractViolation } from './violation.js';

/** Refs naming incidents: `refs/incidents/<id of the incident's first record>`. */
export const INCIDENT_PREFIX = 'refs/incidents/';

/**
 * An incident: a failed check archived as an `incident` object (schema in spec/contracts.md).
 * Resolving writes a new record with `status: resolved` and `previous` naming the one it
 * replaces; the ref moves by compare-and-swap, so the history of an incident is its chain.
 */
export interface IncidentRecord {
  type: 'contract';
  /** The contract's path or glob as written in dv.yaml. */
  contract: string;
  path: string;
  /** Id of the offending file content (null if it could not be read). */
  data: Oid | null;
  /** What was checked: `worktree`, `index`, or a commit id. */
  target: string;
  /** The operation the check gated: validate, commit, source add, source update, repro… */
  operation: string;
  explanation: string;
  suggestion: string;
  violations: ContractViolation[];
  created: number;
  who: string;
  status: 'open' | 'resolved';
  resolution?: { note: string; who: string; ms: number };
  previous?: Oid;
}

/** An incident as listed: its stable id (first record), the current record's id, and the record. */
export interface Incident extends IncidentRecord {
  id: Oid;
  record: Oid;
}

/**
 * Stores a new incident and its ref; returns its id. A failure already open for the same
 * contract, path, content and operation is that incident (checking the same bad file
 * twice does not archive it twice).
 */
export async function recordIncident(repo: Repository, rec: Omit<IncidentRecord, 'status' | 'created' | 'who'>): Promise<Oid> {
  const same = listIncidents(repo, { status: 'open' }).find((i) => i.contract === rec.contract && i.path === rec.path && i.data === rec.data && rec.data !== null && i.operation === rec.operation);
  if (same) return same.id;
  const who = repo.identity();
  const full: IncidentRecord = { ...rec, status: 'open', created: now().ms, who: `${who.name} <${who.email}>` };
  return withWriterLease(repo.env, () => {
    const id = repo.objects.writeRecord('incident', full as unknown as Record<string, unknown>);
    if (!repo.refs.resolve(INCIDENT_PREFIX + id)) {
      repo.refs.update({ name: INCIDENT_PREFIX + id, new: id, expect: null, message: `incident: ${rec.contract} failed for ${rec.path}` });
    }
    return id;
  });
}

/** Every incident, newest first; `status` filters. */
export function listIncidents(repo: Repository, opts: { status?: 'open' | 'resolved' } = {}): Incident[] {
  const out: Incident[] = [];
  for (const r of repo.refs.list(INCIDENT_PREFIX)) {
    const inc = readIncident(repo, r.name.slice(INCIDENT_PREFIX.length) as Oid, r.oid);
    if (!opts.status || inc.status === opts.status) out.push(inc);
  }
  return out.sort((a, b) => b.created - a.created || (a.id < b.id ? -1 : 1));
}

/** Finds one incident by id or unique prefix (4+ hex characters). */
export function findIncident(repo: Repository, prefix: string): Incident {
  const p = prefix.toLowerCase();
  const matches = repo.refs.list(INCIDENT_PREFIX).filter((r) => r.name.slice(INCIDENT_PREFIX.length).startsWith(p));
  if (p.length < 4 || !/^[0-9a-f]+$/.test(p) || matches.length === 0) {
    throw new NotFoundError(`no incident ${prefix}`, { data: { id: prefix }, hint: 'list them with `dv incident list`' });
  }
  if (matches.length > 1) throw new AmbiguousError(`incident id ${prefix} is ambiguous`, { data: { id: prefix }, hint: 'give more characters' });
  const r = matches[0]!;
  return readIncident(repo, r.name.slice(INCIDENT_PREFIX.length) as Oid, r.oid);
}

/** Marks an incident resolved with a note on how it was handled. */
export async function resolveIncident(repo: Repository, prefix: string, note: string): Promise<Incident> {
  const inc = findIncident(repo, prefix);
  if (inc.status === 'resolved') {
    throw new ConflictError(`incident ${inc.id.slice(0, 12)} is already resolved`, { data: { id: inc.id }, hint: `see \`dv incident show ${inc.id.slice(0, 12)}\`` });
  }
  const who = repo.identity();
  const { id, record, ...rest } = inc;
  const next: IncidentRecord = { ...rest, status: 'resolved', resolution: { note, who: `${who.name} <${who.email}>`, ms: now().ms }, previous: record };
  const newId = await withWriterLease(repo.env, () => {
    const rid = repo.objects.writeRecord('incident', next as unknown as Record<string, unknown>);
    repo.refs.update({ name: INCIDENT_PREFIX + id, new: rid, expect: record, message: `incident resolved: ${note.split('\n')[0]}` });
    return rid;
  });
  return { ...next, id, record: newId };
}

function readIncident(repo: Repository, id: Oid, record: Oid): Incident {
  const obj = repo.objects.read(record);
  if (obj.kind !== 'incident') throw new CorruptObjectError(`incident ref ${id.slice(0, 12)} points at a ${obj.kind}`, { data: { id, record } });
  const { t: _kind, ...rec } = obj.record as unknown as IncidentRecord & { t?: string };
  return { ...rec, id, record };
}
