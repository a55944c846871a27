import fs from 'node:fs';
import path from 'node:path';
import type { CodeVersion } from './code-version.js';

/**
 * A memo of the last code version read, so a command that only restores cached outputs
 * need not load isomorphic-git at all. The code version is a function of HEAD, the ref it
 * names, the git index and the tracked files' contents, and of the excluded paths; the memo
 * keeps the stat data of each of those files and is trusted only while every one of them
 * stats the same, the way git trusts its index. A file modified within `RACY_MS` of the
 * read is not trusted (a change in the same clock tick could keep its stat data), so such
 * a read is not memoised. The memo is a cache: deleting it, or any damage to it, costs one full read.
 */
const RACY_MS = 2000;
const FORMAT = 1;

interface Memo {
  format: number;
  /** git repository root the memo is about. */
  dir: string;
  exclude: string[];
  /** path (absolute) → stat signature; '' when the file was absent. */
  stats: Record<string, string>;
  version: CodeVersion;
}

/** A file's stat data as one string ('' when absent), and its mtime in ms (0 when absent). */
function statOf(file: string): { signature: string; mtimeMs: number } {
  const st = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  if (!st) return { signature: '', mtimeMs: 0 };
  return { signature: `${st.mode}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}:${st.dev}`, mtimeMs: Number(st.mtimeNs / 1_000_000n) };
}

/** The files inside `.git` a code version depends on: HEAD, the index, packed refs and the loose ref HEAD names. */
export function gitStateFiles(gitDir: string): string[] {
  const files = ['HEAD', 'index', 'packed-refs'].map((f) => path.join(gitDir, f));
  try {
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    const m = /^ref: (refs\/\S+)$/.exec(head);
    if (m?.[1]) files.push(path.join(gitDir, ...m[1].split('/')));
  } catch {
    // no HEAD: the signature of the absent file stands for it
  }
  return files;
}

/** The memoised code version, when every file it depends on still stats the same. */
export function recallCodeVersion(memoFile: string, dir: string, exclude: string[]): CodeVersion | null {
  let memo: Memo;
  try {
    memo = JSON.parse(fs.readFileSync(memoFile, 'utf8')) as Memo;
  } catch {
    return null;
  }
  if (memo?.format !== FORMAT || memo.dir !== dir || !sameList(memo.exclude, exclude) || typeof memo.stats !== 'object') return null;
  // The git state files first: a moved HEAD or a new index makes the tracked set itself different.
  const gitFiles = gitStateFiles(path.join(dir, '.git'));
  if (gitFiles.some((f) => !(f in memo.stats))) return null;
  for (const [file, sig] of Object.entries(memo.stats)) if (statOf(file).signature !== sig) return null;
  return memo.version;
}

/**
 * Memoises `version`, read from the state before `startedAt` (ms since the epoch), with the
 * stat data of the git state files and of `trackedFiles` (relative to `dir`). Skipped when a
 * file changed too near the read to be trusted. Best effort: a failed write is ignored.
 */
export function memoCodeVersion(memoFile: string, dir: string, exclude: string[], trackedFiles: string[], version: CodeVersion, startedAt: number): void {
  // A `.git` file (a linked worktree or submodule) keeps its state elsewhere: not memoised.
  if (!fs.statSync(path.join(dir, '.git'), { throwIfNoEntry: false })?.isDirectory()) return;
  const stats: Record<string, string> = {};
  const files = [...gitStateFiles(path.join(dir, '.git')), ...trackedFiles.map((f) => path.join(dir, f))];
  for (const file of files) {
    const { signature, mtimeMs } = statOf(file);
    // Any later write sets the mtime to the clock, so it differs from an mtime this old.
    if (mtimeMs > startedAt - RACY_MS) return;
    stats[file] = signature;
  }
  const memo: Memo = { format: FORMAT, dir, exclude, stats, version };
  const tmp = `${memoFile}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(memoFile), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(memo));
    fs.renameSync(tmp, memoFile);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

function sameList(a: unknown, b: string[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);
}
