import type { DiffSummary, FileChange, FileStat } from '../../../diff/index.js';
import type { SignatureView } from '../../../history/index.js';
import { formatBytes } from '../../../util/index.js';

/** What the commit header lines need (LogItem and a commit ObjectDescription both fit). */
interface CommitLike {
  id: string;
  parents: string[];
  author: SignatureView;
  message: string;
  meta?: Record<string, unknown>;
  refs?: string[];
}

/** A commit in git's medium format: header, indented message, and metadata when present. */
export function formatCommit(c: CommitLike): string[] {
  const out = [`commit ${c.id}${c.refs && c.refs.length > 0 ? ` (${c.refs.join(', ')})` : ''}`];
  if (c.parents.length > 1) out.push(`Merge: ${c.parents.map((p) => p.slice(0, 12)).join(' ')}`);
  out.push(`Author: ${c.author.name} <${c.author.email}>`, `Date:   ${c.author.date}`, '');
  for (const line of c.message.replace(/\n+$/, '').split('\n')) out.push(line === '' ? '' : `    ${line}`);
  const meta = Object.entries(c.meta ?? {}).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0));
  if (meta.length > 0) {
    out.push('');
    for (const [k, v] of meta) out.push(`    ${k}: ${JSON.stringify(v)}`);
  }
  return out;
}

/** The first line of a commit message. */
export function subject(message: string): string {
  return message.split('\n')[0] ?? '';
}

const LETTER: Record<FileChange['status'], string> = { added: 'A', deleted: 'D', modified: 'M', 'type-changed': 'T' };

/** One change as `M  path  (1.2 KiB -> 1.5 KiB)`, like git's --name-status with sizes. */
export function formatChange(c: FileChange): string {
  let detail: string;
  if (c.status === 'added') detail = formatBytes(c.new!.size);
  else if (c.status === 'deleted') detail = formatBytes(c.old!.size);
  else {
    detail = `${formatBytes(c.old!.size)} -> ${formatBytes(c.new!.size)}`;
    if (c.old!.kind !== c.new!.kind) detail += `, ${c.old!.kind} -> ${c.new!.kind}`;
  }
  return `${LETTER[c.status]}  ${c.path}  (${detail})`;
}

/** The --stat view: one line per file with its size change, then the summary line. */
export function formatStat(files: FileStat[], summary: DiffSummary): string[] {
  if (files.length === 0) return [];
  const width = Math.min(60, Math.max(...files.map((f) => f.path.length)));
  const lines = files.map((f) => {
    let what: string;
    if (f.status === 'added') what = `new, ${formatBytes(f.newSize)}`;
    else if (f.status === 'deleted') what = `deleted, ${formatBytes(f.oldSize)}`;
    else what = `${formatBytes(f.oldSize)} -> ${formatBytes(f.newSize)} (${signedBytes(f.delta)})`;
    return ` ${f.path.padEnd(width)} | ${what}`;
  });
  return [...lines, formatSummary(summary)];
}

/** ` 3 files changed, 1 added, 1 deleted, 1 modified; +2.0 KiB, -10 B` */
export function formatSummary(s: DiffSummary): string {
  const parts = [`${s.files} file${s.files === 1 ? '' : 's'} changed`];
  if (s.added) parts.push(`${s.added} added`);
  if (s.deleted) parts.push(`${s.deleted} deleted`);
  if (s.modified) parts.push(`${s.modified} modified`);
  if (s.typeChanged) parts.push(`${s.typeChanged} type changed`);
  return ` ${parts.join(', ')}; +${formatBytes(s.bytesAdded)}, -${formatBytes(s.bytesRemoved)}`;
}

function signedBytes(n: number): string {
  return n === 0 ? '+0 B' : n > 0 ? `+${formatBytes(n)}` : `-${formatBytes(-n)}`;
}
