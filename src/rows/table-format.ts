/** The tabular formats dv reads row by row. */
export type TableFormat = 'csv' | 'tsv' | 'jsonl';

const BY_EXTENSION: Record<string, TableFormat> = {
  csv: 'csv', tsv: 'tsv', tab: 'tsv', jsonl: 'jsonl', ndjson: 'jsonl',
};

/** The format of a path from its extension, or null when dv does not read it as rows. */
export function tableFormatOf(path: string): TableFormat | null {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/')) return null;
  return BY_EXTENSION[path.slice(dot + 1).toLowerCase()] ?? null;
}
