import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { formatBisectStatus } from './bisect-format.js';

export default repoCommand({
  command: 'start <bad> <good..>',
  describe: 'start bisecting between a bad commit and good ones; checks out the first to test',
  builder: (y) => withJson(y)
    .positional('bad', { type: 'string', describe: 'a commit that has the problem', demandOption: true })
    .positional('good', { type: 'string', array: true, describe: 'commits that do not', demandOption: true })
    .example('$0 bisect start HEAD v1', 'search the commits since tag v1')
    .example('$0 bisect start main main~20 --json', 'the first commit to test, as JSON'),
  run: async (repo, argv) => {
    const { startBisect } = await import('../../../bisect/index.js');
    const status = await startBisect(repo, { bad: String(argv.bad), good: (argv.good ?? []).map(String) });
    printResult(argv, status, formatBisectStatus);
  },
});
