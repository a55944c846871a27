import { CorruptObjectError, NotFoundError } from '../errors/index.js';
import { isOid, type Oid } from '../hash/index.js';
import type { GenericRecord } from '../objects/index.js';
import type { CodeVersion, RunEnvironment } from '../provenance/index.js';
import type { Repository } from '../repo/index.js';

/** Schema version of run records written by this code. */
export const RUN_RECORD_VERSION = 1;

/** How a run ended. */
export type RunStatus = 'succeeded' | 'failed';

/** One executed transform (object kind `run`; spec/pipeline.md). */
export interface RunRecord {
  v: number;
  stage: string;
  cmd: string;
  /** For a `foreach` stage: the partition's file, relative to the partitioned directory. */
  partition?: string;
  /** For a row-wise `map` stage run on a delta: the keys fed (added + changed) and dropped. */
  delta?: { fed: number; dropped: number; base: Oid };
  /** For `foreach` and `map` stages: the DV_IN / DV_OUT paths of the equivalent full run (what replay hands the command). */
  io?: { in: string; out: string };
  /** Input paths → content id (a tree id for a directory). */
  deps: Record<string, Oid>;
  /** Output paths → content id; empty when the run failed. */
  outs: Record<string, Oid>;
  /** Single-file outputs that are not plain files: path → kind (executable, symlink), so a restore gives them back as they were. */
  kinds?: Record<string, 'exec' | 'symlink'>;
  /** Param name → value. */
  params: Record<string, unknown>;
  /** The params files read, path → content id (stored, for replay). */
  paramsFiles: Record<string, Oid>;
  /** DV_SEED as handed to the command, or null when unset. */
  seed: string | null;
  status: RunStatus;
  /** Exit code, or null when a signal ended the command. */
  exit: number | null;
  signal: string | null;
  /** Start and end, milliseconds since the epoch. */
  start: number;
  end: number;
  /** Content ids of the captured stdout and stderr (stored as file content). */
  stdout: Oid;
  stderr: Oid;
  env: RunEnvironment;
  code: CodeVersion | null;
  /** The run-cache key this run answers (hex). */
  key: Oid;
}

/** The record as stored: plain fields, optional ones dropped. */
export function runRecordToGeneric(r: RunRecord): GenericRecord {
  return { ...r, code: r.code ? { ...r.code } : null } as unknown as GenericRecord;
}

/** Checks a stored record has the run-record shape this code reads. */
export function parseRunRecord(id: Oid, rec: GenericRecord): RunRecord {
  const need = (k: string, ok: (v: unknown) => boolean) => {
    if (!ok(rec[k])) throw new CorruptObjectError(`run record ${id} has a malformed ${k}`, { data: { id, field: k } });
  };
  const isMap = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  const idMap = (v: unknown) => isMap(v) && Object.values(v as object).every((x) => typeof x === 'string' && isOid(x));
  need('v', (v) => typeof v === 'number');
  need('stage', (v) => typeof v === 'string');
  need('cmd', (v) => typeof v === 'string');
  need('deps', idMap);
  need('outs', idMap);
  need('kinds', (v) => v === undefined || (isMap(v) && Object.values(v as object).every((k) => k === 'exec' || k === 'symlink')));
  need('params', isMap);
  need('status', (v) => v === 'succeeded' || v === 'failed');
  need('start', (v) => typeof v === 'number');
  need('end', (v) => typeof v === 'number');
  need('key', (v) => typeof v === 'string' && isOid(v));
  return { paramsFiles: {}, seed: null, exit: null, signal: null, ...rec } as unknown as RunRecord;
}

/** Reads a run record by id. */
export function readRunRecord(repo: Repository, id: Oid): RunRecord {
  if (!repo.objects.has(id)) throw new NotFoundError(`run record ${id} is missing`, { data: { id } });
  const obj = repo.objects.read(id);
  if (obj.kind !== 'run') throw new NotFoundError(`object ${id} is a ${obj.kind}, not a run record`, { data: { id, kind: obj.kind } });
  return parseRunRecord(id, obj.record);
}

/** Writes a run record and returns its id. */
export function writeRunRecord(repo: Repository, r: RunRecord): Oid {
  return repo.objects.writeRecord('run', runRecordToGeneric(r));
}
