import type { SourceResult, SourceVersion, VerifyReport } from '../../../sources/index.js';

/** `dv source list`: name, version, path, origin. */
export function formatSourceList(list: SourceVersion[]): string[] {
  if (list.length === 0) return ['no sources (register one with `dv source add NAME --from URL --to PATH`)'];
  return list.map((s) => `${s.name.padEnd(16)} ${s.version.padEnd(10)} ${s.checksum.slice(0, 12)}  ${s.path}  <- ${s.origin}`);
}

/** `dv source log`: one block per version with its row changes. */
export function formatSourceLog(list: SourceVersion[]): string[] {
  const out: string[] = [];
  for (const v of list) {
    out.push(`${v.version}  ${v.action}  commit ${v.commit.slice(0, 12)}  fetched ${new Date(v.fetched).toISOString()}`);
    out.push(`    ${v.origin} -> ${v.path}  (${v.size} bytes, ${v.checksum.slice(0, 12)}${v.etag ? `, etag ${v.etag}` : ''}${v.lastModified ? `, last-modified ${v.lastModified}` : ''})`);
    if (v.rows) out.push(`    rows: ${v.rows.oldRows} -> ${v.rows.newRows}: ${v.rows.changed} changed, ${v.rows.added} added, ${v.rows.removed} removed`);
    if (v.note) out.push(`    note: ${v.note}`);
  }
  return out;
}

/** What add/update/checkout did. */
export function formatSourceResult(r: SourceResult): string {
  if (r.status === 'unchanged') {
    const why = r.how === 'not-modified' ? 'the server reports it not modified' : r.how === 'checksum' ? 'same checksum' : 'already at that version';
    return `${r.name}: unchanged at ${r.version} (${why}); nothing committed`;
  }
  const rows = r.entry.rows ? `; rows ${r.entry.rows.oldRows} -> ${r.entry.rows.newRows}: ${r.entry.rows.changed} changed, ${r.entry.rows.added} added, ${r.entry.rows.removed} removed` : '';
  return `${r.name} ${r.entry.version} committed as ${r.commit}${rows}`;
}

/** `dv verify`: drift per source and file, or a clean bill. */
export function formatVerify(r: VerifyReport): string[] {
  const out: string[] = [];
  for (const s of r.sources) {
    if (s.ok) { out.push(`ok     source ${s.name} (${s.path}, ${s.checksum.slice(0, 12)})`); continue; }
    const why: string[] = [];
    if (s.stored !== 'ok') why.push(`stored content ${s.stored}`);
    if (s.head !== s.checksum) why.push(s.head ? `HEAD has ${s.head.slice(0, 12)}` : 'not in HEAD');
    if (s.worktree !== s.checksum) why.push(s.worktree ? `working copy is ${s.worktree.slice(0, 12)}` : 'working copy missing');
    out.push(`DRIFT  source ${s.name} (${s.path}): recorded ${s.checksum.slice(0, 12)}, ${why.join(', ')}`);
  }
  for (const f of r.files.drift) out.push(`DRIFT  ${f.path}: expected ${f.expected.slice(0, 12)}, ${f.found ? `found ${f.found.slice(0, 12)}` : 'missing'}`);
  out.push(`${r.files.checked} tracked files checked, ${r.files.drift.length} drifted; ${r.sources.length} sources, ${r.sources.filter((s) => !s.ok).length} drifted`);
  return out;
}
