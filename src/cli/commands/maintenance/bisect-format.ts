import type { BisectLogEntry, BisectStatus } from '../../../bisect/index.js';
import { formatCommit, formatStat } from '../history/format.js';

/** Human form of where a bisection stands (git's wording where it has one). */
export function formatBisectStatus(s: BisectStatus): string[] {
  switch (s.state) {
    case 'testing':
      return [`Bisecting: ${s.candidates} commits left to search (roughly ${s.steps} step${s.steps === 1 ? '' : 's'})`, `[${s.commit.slice(0, 12)}] ${s.subject}`];
    case 'found': {
      const c = s.firstBad;
      return [`${c.id} is the first bad commit`, ...formatCommit(c), '', ...formatStat(c.changes, c.summary)];
    }
    case 'only-skipped':
      return ["There are only 'skip'ped commits left to test.", 'The first bad commit could be any of:', ...s.candidates.map((c) => `${c.id} ${c.subject}`)];
  }
}

/** Human form of `dv bisect log`: one line per step, then the outcome. */
export function formatBisectLog(r: { log: BisectLogEntry[]; status: BisectStatus }): string[] {
  const lines = r.log.map((e) => e.action === 'start'
    ? `start bad ${e.commit.slice(0, 12)} good ${(e.good ?? []).map((g) => g.slice(0, 12)).join(' ')}  # ${e.subject}`
    : `${e.action.padEnd(5)} ${e.commit.slice(0, 12)}  # ${e.subject}`);
  const s = r.status;
  if (s.state === 'found') lines.push(`# first bad commit: [${s.firstBad.id.slice(0, 12)}] ${s.firstBad.subject}`);
  else if (s.state === 'only-skipped') lines.push(`# only skipped commits left: ${s.candidates.map((c) => c.id.slice(0, 12)).join(' ')}`);
  else lines.push(`# testing [${s.commit.slice(0, 12)}] ${s.subject}`);
  return lines;
}
