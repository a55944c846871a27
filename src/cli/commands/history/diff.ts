import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { pathArgs } from './args.js';
import { formatChange, formatStat } from './format.js';

export default repoCommand({
  command: 'diff [from] [to]',
  describe: 'file-level changes between revisions, or between a revision and the working tree',
  builder: (y) => withJson(y)
    .positional('from', { type: 'string', describe: 'old side (default HEAD); A..B is the same as A B' })
    .positional('to', { type: 'string', describe: 'new side (default: the working tree)' })
    .option('stat', { type: 'boolean', default: false, describe: 'per-file size change and a summary line' })
    .option('rows', { type: 'boolean', default: false, describe: 'row-level diff of CSV, TSV and JSONL files (aligned by the key dv.yaml `keys:` declares, else by content)' })
    .example('$0 diff', 'tracked files changed in the working tree since HEAD')
    .example('$0 diff v1.0 main --stat', 'how much each file grew or shrank between two revisions')
    .example('$0 diff HEAD~1 HEAD -- data/raw', 'what the last commit changed under data/raw')
    .example('$0 diff --rows HEAD~1 HEAD -- data/orders.csv', 'which rows the last commit added, removed or changed'),
  run: async (repo, argv) => {
    const { diffRevisions } = await import('../../../diff/index.js');
    let { from, to } = argv;
    if (from?.includes('..') && to === undefined && !from.includes(':')) {
      [from, to] = from.split('..', 2) as [string, string];
      from ||= 'HEAD';
      to ||= 'HEAD';
    }
    if (argv.rows) {
      const { printRowsDiff } = await import('./diff-rows.js');
      return printRowsDiff(repo, { from, to, paths: pathArgs(repo, argv), json: argv.json });
    }
    const result = diffRevisions(repo, { from, to, paths: pathArgs(repo, argv) });
    printResult(argv, result, (r) => (argv.stat ? formatStat(r.stat, r.summary) : r.changes.map(formatChange)));
  },
});
