import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { pathArgs } from './args.js';
import { formatCommit, subject } from './format.js';

export default repoCommand({
  command: 'log [rev]',
  describe: 'show the history of a revision, optionally of some paths',
  builder: (y) => withJson(y)
    .positional('rev', { type: 'string', describe: 'where to start (default HEAD)' })
    .option('n', { alias: 'max-count', type: 'number', describe: 'show at most N commits' })
    .option('oneline', { type: 'boolean', default: false, describe: 'one line per commit: short id and subject' })
    .example('$0 log -n 5 --oneline', 'the last five commits')
    .example('$0 log main~10', 'history before the last ten commits of main')
    .example('$0 log -- data/raw/weather.csv', 'only commits that changed this file'),
  run: async (repo, argv) => {
    const { readLog } = await import('../../../history/index.js');
    const { UsageError } = await import('../../../errors/index.js');
    if (argv.n !== undefined && (!Number.isInteger(argv.n) || argv.n < 0)) throw new UsageError(`-n needs a whole number, got ${argv.n}`);
    const items = readLog(repo, { rev: argv.rev, limit: argv.n, paths: pathArgs(repo, argv) });
    printResult(argv, items, (list) => argv.oneline
      ? list.map((c) => `${c.id.slice(0, 12)} ${subject(c.message)}`)
      : list.flatMap((c, i) => [...(i > 0 ? [''] : []), ...formatCommit(c)]));
  },
});
