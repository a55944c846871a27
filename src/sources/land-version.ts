import fs from 'node:fs';
import path from 'node:path';
import { checkInputs, contractsFor, readContracts, throwIfFailed, type ContractMeta } from '../contracts/index.js';
import { keyFor, readKeyRules, storeSource } from '../diff/index.js';
import { ConflictError } from '../errors/index.js';
import type { Oid } from '../hash/index.js';
import { flattenTree, lookupPath } from '../history/index.js';
import { HEAD } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { diffRows, fileChunkSource, tableFormatOf } from '../rows/index.js';
import { replaceFile, type RepoPath } from '../util/index.js';
import { add, assertInsideWorktree, cleanWorktreeCopy, commit, hashWorktreeFile, readIndex } from '../worktree/index.js';
import type { SourceEntry } from './source-entry.js';

/** What a source command did. */
export type SourceResult =
  | { status: 'unchanged'; name: string; how: 'not-modified' | 'checksum' | 'same-version'; version: string }
  | { status: 'committed'; name: string; commit: Oid; entry: SourceEntry };

/**
 * Refuses to land a source version when it would mix with other work: anything staged,
 * or local changes to (or an untracked file at) the source's path.
 */
export function assertCanLand(repo: Repository, p: RepoPath): void {
  const root = repo.worktree();
  assertInsideWorktree(root, p);
  const head = repo.refs.resolve(HEAD);
  const headTree = flattenTree(repo.objects, head ? repo.objects.readCommit(head).tree : null);
  const index = readIndex(repo).entries;
  const staged = [...index].filter(([q, e]) => headTree.get(q)?.id !== e.id).map(([q]) => q);
  for (const q of headTree.keys()) if (!index.has(q)) staged.push(q);
  if (staged.length > 0) {
    throw new ConflictError(`changes are staged (${staged.slice(0, 3).join(', ')}${staged.length > 3 ? ', …' : ''}); a source version is committed on its own`, { data: { staged }, hint: 'commit or unstage them first' });
  }
  const abs = path.join(root, p);
  if (!fs.existsSync(abs)) return;
  const e = index.get(p);
  if (!e) throw new ConflictError(`${p} exists and is not tracked; a source would overwrite it`, { data: { path: p }, hint: 'move it away, or give another --to' });
  if (!cleanWorktreeCopy(repo, p, e.id)) {
    // Stat data may be stale after a copy; only a different content is a conflict.
    if (hashWorktreeFile(abs, e.kind === 'symlink' ? 'symlink' : 'file', p) !== e.id) {
      throw new ConflictError(`${p} has local changes; a source update would overwrite them`, { data: { path: p }, hint: `commit them, or restore it with \`dv checkout HEAD -- ${p}\`` });
    }
  }
}

/**
 * Commits a fetched and verified file as a source's new version: contracts of the path
 * are checked on the file before it lands (a failure removes it, archives an incident
 * and changes nothing); then it is moved into place, staged and committed with the entry
 * (and its row-change summary) in commit meta `sources`.
 */
export async function landVersion(repo: Repository, opts: {
  file: string;
  entry: Omit<SourceEntry, 'rows'>;
  message: string;
  operation: string;
  verify: boolean;
  memoryBudget?: number;
}): Promise<SourceResult> {
  const { entry, file } = opts;
  const p = entry.path as RepoPath;
  const root = repo.worktree();
  const head = repo.refs.resolve(HEAD);
  const prevEntry = head ? lookupPath(repo.objects, repo.objects.readCommit(head).tree, p) : undefined;
  const previous = prevEntry && prevEntry.kind !== 'tree' && prevEntry.kind !== 'symlink'
    ? { id: prevEntry.id, source: storeSource(repo, `HEAD:${p}`, prevEntry.id, prevEntry.size, p) } : null;
  const meta: { sources: SourceEntry[]; contracts?: ContractMeta[] } = { sources: [] };
  const full: SourceEntry = { ...entry };
  try {
    const hasContract = contractsFor(readContracts(repo), p).length > 0;
    let rows: SourceEntry['rows'];
    if (hasContract && opts.verify) {
      const report = await checkInputs(repo, [{ path: p, id: entry.checksum, source: fileChunkSource(file, `${entry.origin}`), previous }], { target: 'download', operation: opts.operation, memoryBudget: opts.memoryBudget });
      throwIfFailed(report, opts.operation);
      meta.contracts = report.checks.map((c) => ({ path: c.path, contract: c.contract, data: c.data, passed: true as const }));
      const ch = report.checks.find((c) => c.change)?.change;
      if (ch) rows = { oldRows: ch.previousRows, newRows: report.checks[0]!.rows, added: ch.added, removed: ch.removed, changed: ch.changed };
    } else if (hasContract) {
      meta.contracts = [{ skipped: true, paths: [p] }];
    }
    const format = tableFormatOf(p);
    if (!rows && format) {
      const s = diffRows(previous?.source ?? null, fileChunkSource(file, entry.origin), { format, key: keyFor(readKeyRules(repo), p), memoryBudget: opts.memoryBudget }).summary;
      rows = { oldRows: s.oldRows, newRows: s.newRows, added: s.added, removed: s.removed, changed: s.changed };
    }
    if (rows) full.rows = rows;
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  }
  meta.sources.push(full);
  const abs = path.join(root, p);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  replaceFile(file, abs);
  try {
    await add(repo, { paths: [p], cwd: root });
    const result = await commit(repo, { message: opts.message, meta: meta as unknown as Record<string, unknown> });
    return { status: 'committed', name: entry.name, commit: result.id, entry: full };
  } catch (err) {
    // Put the previous version back so the working tree is as it was.
    restore(repo, abs, previous?.id ?? null);
    throw err;
  }
}

function restore(repo: Repository, abs: string, id: Oid | null): void {
  if (id === null) { fs.rmSync(abs, { force: true }); return; }
  const tmp = `${abs}.dv-restore-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const piece of repo.objects.readContentSync(id)) fs.writeSync(fd, piece);
  } finally {
    fs.closeSync(fd);
  }
  replaceFile(tmp, abs);
}
