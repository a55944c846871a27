import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';

export default repoCommand({
  command: 'reset',
  describe: 'end the bisection and return to the branch or commit where it started',
  builder: (y) => withJson(y)
    .example('$0 bisect reset', 'back to where `dv bisect start` was run'),
  run: async (repo, argv) => {
    const { resetBisect } = await import('../../../bisect/index.js');
    printResult(argv, await resetBisect(repo), (r) => {
      if (!r.reset) return 'not bisecting';
      return r.branch ? `Switched to branch '${r.branch}'` : `HEAD is now at ${r.commit!.slice(0, 12)}`;
    });
  },
});
