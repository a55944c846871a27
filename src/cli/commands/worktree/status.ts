import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_FILE } from '../../../project/file-name.js';
import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import type { StatusResult } from '../../../worktree/index.js';
import type { StageStatus } from '../../../pipeline/index.js';

export default repoCommand({
  command: 'status',
  describe: 'show staged, modified, deleted and untracked files relative to HEAD',
  builder: (y) => withJson(y)
    .example('$0 status', 'what would the next commit contain?')
    .example('$0 status --json', 'the same as one JSON document'),
  run: async (repo, argv) => {
    const { status } = await import('../../../worktree/index.js');
    const s: StatusResult & { stages?: StageStatus[] } = status(repo);
    // The pipeline code (and its YAML parser) loads only when there is a project file to read.
    if (fs.existsSync(path.join(repo.worktree(), PROJECT_FILE))) {
      const { pipelineStatusIfDeclared } = await import('../../../pipeline/index.js');
      const stages = await pipelineStatusIfDeclared(repo);
      if (stages) s.stages = stages;
    }
    printResult(argv, s, formatStatus);
  },
});

function formatStatus(s: StatusResult & { stages?: StageStatus[] }): string[] {
  const out = [s.branch ? `On branch ${s.branch}` : `HEAD detached at ${s.head?.slice(0, 12)}`];
  if (!s.head) out.push('No commits yet');
  const section = (title: string, rows: Array<[string, string[]]>) => {
    const lines = rows.flatMap(([label, paths]) => paths.map((p) => `\t${label}${p}`));
    if (lines.length) out.push('', title, ...lines);
  };
  section('Changes to be committed:', [['new file:   ', s.staged.added], ['modified:   ', s.staged.modified], ['deleted:    ', s.staged.deleted]]);
  section('Changes not staged for commit (use "dv add <path>" to stage):', [['modified:   ', s.unstaged.modified], ['deleted:    ', s.unstaged.deleted]]);
  section('Untracked files (use "dv add <path>" to track):', [['', collapseUntracked(s.untracked)]]);
  const dirty = out.length > (s.head ? 1 : 2);
  if (!dirty) out.push('nothing to commit, working tree clean');
  const stale = (s.stages ?? []).filter((st) => st.state !== 'up-to-date');
  if (stale.length) out.push('', 'Pipeline stages not up to date (use "dv repro"):', ...stale.map((st) => `\t${st.stage} (${st.state}): ${st.reasons.join('; ')}`));
  return out;
}

/** Shows an untracked directory once (as `dir/`) when all of it is untracked, like git. */
function collapseUntracked(paths: string[]): string[] {
  const shown = new Set<string>();
  for (const p of paths) {
    const top = p.includes('/') ? p.slice(0, p.indexOf('/') + 1) : p;
    shown.add(top);
  }
  return [...shown].sort();
}
