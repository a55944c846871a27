import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { formatBisectLog } from './bisect-format.js';

export default repoCommand({
  command: 'log',
  describe: 'show the bisection steps so far and where it stands',
  builder: (y) => withJson(y)
    .example('$0 bisect log', 'every verdict given, then the outcome')
    .example('$0 bisect log --json', 'the same as one JSON document'),
  run: async (repo, argv) => {
    const { bisectLog } = await import('../../../bisect/index.js');
    printResult(argv, bisectLog(repo), formatBisectLog);
  },
});
