import type { FileRowDiff, RowsRevisionDiff } from '../../../diff/index.js';
import type { RowChange } from '../../../rows/index.js';

/** Rows shown per file in the human form. */
export const HUMAN_ROWS = 20;

/** `dv diff --rows` for people: per table a summary line, schema changes, then the first rows. */
export function formatRowsDiff(d: RowsRevisionDiff): string[] {
  const out: string[] = [];
  for (const f of d.files) {
    out.push(...formatFileRows(f));
    out.push('');
  }
  for (const s of d.skipped) out.push(`${s.path}: ${s.status}, no row diff (${s.reason})`);
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

function formatFileRows(f: FileRowDiff): string[] {
  const s = f.summary;
  const by = f.key ? `key ${f.key.join(', ')}` : 'by content';
  const out = [`${f.path} (${f.format}, ${by}${f.status === 'modified' ? '' : `, file ${f.status}`}): ${s.changed} changed, ${s.added} added, ${s.removed} removed, ${s.unchanged} unchanged rows (${s.oldRows} -> ${s.newRows})`];
  const sc = f.schema;
  for (const r of sc.renamed) out.push(`  schema: column renamed ${r.from} -> ${r.to}`);
  for (const c of sc.added) out.push(`  schema: column added ${c}`);
  for (const c of sc.removed) out.push(`  schema: column removed ${c}`);
  if (sc.reordered) out.push(`  schema: columns reordered (${sc.oldColumns.join(',')} -> ${sc.newColumns.join(',')})`);
  for (const t of sc.typeChanges) out.push(`  schema: type of ${t.column} changed ${t.old} -> ${t.new}`);
  for (const r of f.rows) out.push('  ' + formatRowChange(r));
  const shown = f.rows.length;
  const total = s.changed + s.added + s.removed;
  if (total > shown) out.push(`  … ${total - shown} more (--json lists them all)`);
  return out;
}

/** One changed row: `~ id=7 (line 8) price: 1.50 -> 1.75`, `+ id=9 (line 12) {…}`, `- …`. */
export function formatRowChange(r: RowChange): string {
  const key = r.key ? Object.entries(r.key).map(([k, v]) => `${k}=${v}`).join(' ') + ' ' : '';
  if (r.kind === 'changed') {
    const cells = r.cells!.map((c) => `${c.column}: ${show(c.old)} -> ${show(c.new)}`).join('; ');
    return `~ ${key}(line ${r.oldLine} -> ${r.newLine}) ${cells}`;
  }
  const sign = r.kind === 'added' ? '+' : '-';
  const line = r.kind === 'added' ? r.newLine : r.oldLine;
  return `${sign} ${key}(line ${line}) ${JSON.stringify(r.row)}`;
}

function show(v: string | null): string {
  return v === null ? '(empty)' : JSON.stringify(v);
}
