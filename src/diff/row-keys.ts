import { InvalidInputError } from '../errors/index.js';
import { loadProjectFile, PROJECT_FILE } from '../project/index.js';
import type { Repository } from '../repo/index.js';
import { matchesGlob } from '../util/index.js';

/** One entry of dv.yaml `keys:`: a path or glob and the key column(s) that identify a row there. */
export interface KeyRule {
  pattern: string;
  columns: string[];
}

/**
 * Parses dv.yaml `keys:` — a map from path or glob to a column name or a list of column
 * names, e.g. `{ "data/*.csv": id, "data/sales.tsv": [store, day] }`.
 */
export function parseKeyRules(section: unknown): KeyRule[] {
  if (section === undefined || section === null) return [];
  if (typeof section !== 'object' || Array.isArray(section)) {
    throw new InvalidInputError(`${PROJECT_FILE}: keys must be a map from path or glob to a key column`, { hint: 'for example  keys: { "data/*.csv": id }' });
  }
  return Object.entries(section as Record<string, unknown>).map(([pattern, v]) => {
    const columns = typeof v === 'string' ? [v] : Array.isArray(v) && v.length > 0 && v.every((c) => typeof c === 'string') ? (v as string[]) : null;
    if (!columns) {
      throw new InvalidInputError(`${PROJECT_FILE}: keys."${pattern}" must be a column name or a list of column names`, { data: { pattern } });
    }
    return { pattern, columns };
  });
}

/** The key rules of the repository's dv.yaml (none in a bare repository). */
export function readKeyRules(repo: Repository): KeyRule[] {
  if (repo.root === null) return [];
  return parseKeyRules(loadProjectFile(repo.root).sections.keys);
}

/** The key columns declared for a path (first matching rule), or null. */
export function keyFor(rules: readonly KeyRule[], path: string): string[] | null {
  for (const r of rules) if (matchesGlob(path, r.pattern)) return r.columns;
  return null;
}
