import { InvalidInputError } from '../errors/index.js';
import { parseRepoPath, type RepoPath } from '../util/index.js';

/** The params file read when a stage names a bare key. */
export const DEFAULT_PARAMS_FILE = 'params.yaml' as RepoPath;

/** One parameter a stage reads: a dotted key in a YAML file. */
export interface ParamRef {
  file: RepoPath;
  key: string;
}

/** A stage as declared in dv.yaml `stages`, validated. */
export interface Stage {
  name: string;
  cmd: string;
  deps: RepoPath[];
  /** Outputs, metrics files included (dv stores and restores both). */
  outs: RepoPath[];
  params: ParamRef[];
  metrics: RepoPath[];
  /** Environment variables whose values the run record keeps. */
  env: string[];
  /** Container image the stage runs in (recorded). */
  image: string | null;
  /** Partition-wise: one run per file of this input directory. */
  foreach: RepoPath | null;
  /** Row-wise map over a keyed CSV/JSONL input (with `foreach`: over each partition file, `input` null). */
  map: { input: RepoPath | null; key: string } | null;
}

/** Keys a stage may have. */
export const STAGE_KEYS = ['cmd', 'deps', 'outs', 'params', 'metrics', 'env', 'image', 'foreach', 'map', 'desc', 'meta'] as const;

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Checks a stage name (letters, digits, `_`, `.`, `-`; not starting with `.` or `-`). */
export function parseStageName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new InvalidInputError(`invalid stage name ${JSON.stringify(name)}`, { hint: 'stage names use letters, digits, _ . and -' });
  }
  return name;
}

/** Validates the `stages` section of dv.yaml (undefined: no stages) into stages in declaration order. */
export function parseStages(section: unknown): Stage[] {
  if (section === undefined || section === null) return [];
  if (!isMap(section)) throw bad('stages', 'must be a map of stage name to stage');
  return Object.entries(section).map(([name, body]) => parseStage(name, body));
}

/** Validates one stage's body. */
export function parseStage(name: string, body: unknown): Stage {
  parseStageName(name);
  const where = `stage ${name}`;
  if (!isMap(body)) throw bad(where, 'must be a map with at least `cmd`');
  for (const k of Object.keys(body)) {
    if (!(STAGE_KEYS as readonly string[]).includes(k)) {
      throw new InvalidInputError(`dv.yaml: ${where}: unknown key "${k}"`, { hint: `stage keys are ${STAGE_KEYS.join(', ')}` });
    }
  }
  const cmd = parseCmd(body.cmd, where);
  const deps = pathList(body.deps, `${where} deps`);
  const metrics = pathList(body.metrics, `${where} metrics`);
  const outs = [...pathList(body.outs, `${where} outs`), ...metrics];
  const params = parseParams(body.params, where);
  const env = stringList(body.env, `${where} env`);
  for (const v of env) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) throw bad(`${where} env`, `${JSON.stringify(v)} is not an environment variable name`);
  const image = body.image === undefined || body.image === null ? null : str(body.image, `${where} image`);
  const foreach = body.foreach === undefined || body.foreach === null ? null : path1(body.foreach, `${where} foreach`);
  let map: Stage['map'] = null;
  if (body.map !== undefined && body.map !== null) {
    if (!isMap(body.map)) throw bad(`${where} map`, foreach ? 'must be a map with `key`' : 'must be a map with `input` and `key`');
    for (const k of Object.keys(body.map)) if (k !== 'input' && k !== 'key') throw bad(`${where} map`, `unknown key "${k}" (keys: input, key)`);
    // With `foreach`, each partition file is the keyed input.
    if (foreach && body.map.input !== undefined) throw bad(`${where} map`, 'takes no `input` with `foreach` (each partition file is the input)');
    map = { input: foreach ? null : path1(body.map.input, `${where} map.input`), key: str(body.map.key, `${where} map.key`) };
  }
  if ((foreach || map) && outs.length !== 1) {
    throw bad(where, `a ${foreach ? '`foreach`' : '`map`'} stage has exactly one output (${foreach ? 'the directory of per-file outputs' : 'the merged file'})`);
  }
  if (new Set(outs).size !== outs.length) throw bad(`${where} outs`, 'lists the same output twice');
  return { name, cmd, deps, outs, params, metrics, env, image, foreach, map };
}

function parseCmd(v: unknown, where: string): string {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.trim() !== '')) return v.map((x: string) => x.trim()).join(' && ');
  throw bad(`${where} cmd`, 'must be a command line (or a list of them)');
}

/** A list of paths; each item a string, or a one-key map `path: {options}` as DVC writes outs. */
function pathList(v: unknown, where: string): RepoPath[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(where, 'must be a list of paths');
  return v.map((item) => {
    if (isMap(item)) {
      const keys = Object.keys(item);
      if (keys.length !== 1) throw bad(where, 'an item with options must have exactly one path');
      return path1(keys[0], where);
    }
    return path1(item, where);
  });
}

function path1(v: unknown, where: string): RepoPath {
  if (typeof v !== 'string' || v.trim() === '') throw bad(where, 'must be a path');
  let p: RepoPath;
  try {
    p = parseRepoPath(v.trim().replace(/\/+$/, ''));
  } catch (err) {
    throw bad(where, (err as Error).message);
  }
  if (p === '') throw bad(where, 'cannot be the whole working tree');
  return p;
}

function parseParams(v: unknown, where: string): ParamRef[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(`${where} params`, 'must be a list of keys (or `file.yaml: [keys]`)');
  const out: ParamRef[] = [];
  for (const item of v) {
    if (typeof item === 'string' && item.trim() !== '') { out.push({ file: DEFAULT_PARAMS_FILE, key: item.trim() }); continue; }
    if (isMap(item)) {
      for (const [file, keys] of Object.entries(item)) {
        const f = path1(file, `${where} params`);
        for (const k of stringList(keys, `${where} params ${file}`)) out.push({ file: f, key: k });
      }
      continue;
    }
    throw bad(`${where} params`, `${JSON.stringify(item)} is not a key`);
  }
  return out;
}

function stringList(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '')) throw bad(where, 'must be a list of strings');
  return v as string[];
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw bad(where, 'must be a non-empty string');
  return v;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(where: string, what: string): InvalidInputError {
  return new InvalidInputError(`dv.yaml: ${where} ${what}`, { hint: 'see spec/pipeline.md for the stage keys' });
}
