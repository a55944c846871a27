import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { formatVerify } from './format.js';

export default repoCommand({
  command: 'verify',
  describe: "re-check every source's checksum and every tracked file against its id; report drift",
  builder: (y) => withJson(y)
    .example('$0 verify', 'is everything what the history says it is?')
    .example('$0 verify --json', 'the same, as JSON'),
  run: async (repo, argv) => {
    const { verifyRepository } = await import('../../../sources/index.js');
    const r = verifyRepository(repo);
    printResult(argv, r, formatVerify);
    return r.ok ? 0 : 1;
  },
});
