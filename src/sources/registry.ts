import { NotFoundError } from '../errors/index.js';
import { walkCommits } from '../history/index.js';
import { HEAD } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import { sourceEntriesOf, type SourceVersion } from './source-entry.js';

/** Names are short identifiers: letters, digits, `.`, `_`, `-`. */
export const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Every version of every source reachable from HEAD, newest first. */
export function* sourceHistory(repo: Repository, start = HEAD): Generator<SourceVersion> {
  const head = repo.refs.resolve(start);
  if (!head) return;
  for (const { id, commit } of walkCommits(repo, [head])) {
    for (const e of sourceEntriesOf(commit.meta)) yield { ...e, commit: id, message: commit.message.trim() };
  }
}

/** Each source's current version (its newest entry), sorted by name. */
export function listSources(repo: Repository): SourceVersion[] {
  const seen = new Map<string, SourceVersion>();
  for (const v of sourceHistory(repo)) if (!seen.has(v.name)) seen.set(v.name, v);
  return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The versions of one source, newest first; an unknown name is a NotFoundError. */
export function sourceLog(repo: Repository, name: string): SourceVersion[] {
  const out = [...sourceHistory(repo)].filter((v) => v.name === name);
  if (out.length === 0) throw new NotFoundError(`no source named ${name}`, { data: { name }, hint: 'list them with `dv source list`, register one with `dv source add`' });
  return out;
}

/** The current version of one source. */
export function currentSource(repo: Repository, name: string): SourceVersion {
  return sourceLog(repo, name)[0]!;
}
