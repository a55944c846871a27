import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import type { ShowResult } from '../../../diff/index.js';
import type { RunSummary } from '../../../pipeline/index.js';
import { formatBytes } from '../../../util/index.js';
import { diffStat } from '../../../diff/diff-stat.js';
import { formatChange, formatCommit, formatSummary } from './format.js';

export default repoCommand({
  command: 'show [rev]',
  describe: 'show a commit (with its file changes), tag, tree or file',
  builder: (y) => withJson(y)
    .positional('rev', { type: 'string', default: 'HEAD', describe: 'revision, or REV:PATH' })
    .example('$0 show', 'the last commit and the files it changed')
    .example('$0 show v1.0', 'an annotated tag and the commit it tags')
    .example('$0 show HEAD:data/raw/weather.csv', 'size and chunk count of a committed file'),
  run: async (repo, argv) => {
    const { showRevision } = await import('../../../diff/index.js');
    const { summarizeRuns } = await import('../../../pipeline/index.js');
    const shown: ShowResult & { runDetails?: RunSummary[] } = showRevision(repo, argv.rev);
    if (shown.type === 'commit' && Array.isArray(shown.meta.runs) && shown.meta.runs.length > 0) shown.runDetails = summarizeRuns(repo, shown.meta.runs);
    printResult(argv, shown, formatShow);
  },
});

function formatShow(r: ShowResult & { runDetails?: RunSummary[] }): string[] {
  switch (r.type) {
    case 'commit': {
      const out = formatCommit(r);
      if (r.runDetails?.length) out.push('', 'Runs:', ...r.runDetails.map(formatRun));
      const changes = r.changes ?? [];
      if (changes.length > 0) out.push('', ...changes.map(formatChange), formatSummary(diffStat(changes).summary));
      return out;
    }
    case 'tag':
      return [`tag ${r.name}`, `Tagger: ${r.tagger.name} <${r.tagger.email}>`, `Date:   ${r.tagger.date}`, '',
        ...r.message.replace(/\n+$/, '').split('\n').map((l) => (l ? `    ${l}` : '')), '', ...formatShow(r.target as ShowResult)];
    case 'tree':
      return [`tree ${r.id}${r.path ? ` (${r.path})` : ''}`, '',
        ...r.entries.map((e) => `${e.kind.padEnd(7)} ${e.id} ${String(e.size).padStart(12)}\t${e.name}${e.kind === 'tree' ? '/' : ''}`)];
    case 'file':
      return [`file ${r.id}${r.path ? ` (${r.path})` : ''}`, `size:   ${r.size} bytes (${formatBytes(r.size)})`, `chunks: ${r.chunks}`];
    default:
      return [`${r.type} ${r.id}`, JSON.stringify(r.record, null, 2)];
  }
}

/** One run record under a commit: stage, status, command, outputs. */
function formatRun(r: RunSummary): string {
  const name = r.partition !== undefined ? `${r.stage}[${r.partition}]` : r.stage;
  const outs = Object.keys(r.outs).join(', ');
  return `    ${r.id.slice(0, 12)} ${name} ${r.status} (${(r.ms / 1000).toFixed(2)} s)${r.code ? ` code ${r.code.slice(0, 12)}` : ''}: ${r.cmd}${outs ? ` -> ${outs}` : ''}`;
}
