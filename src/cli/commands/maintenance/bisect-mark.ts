import type { BisectVerdict } from '../../../bisect/index.js';
import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { formatBisectStatus } from './bisect-format.js';

const MEANING: Record<BisectVerdict, string> = {
  good: 'mark a commit (default HEAD) as good: it does not have the problem',
  bad: 'mark a commit (default HEAD) as bad: it has the problem',
  skip: 'skip a commit (default HEAD) that cannot be tested',
};

/** `dv bisect good|bad|skip [REV]`: one module per verdict, built from this factory. */
export function markCommand(verdict: BisectVerdict) {
  return repoCommand({
    command: `${verdict} [rev]`,
    describe: MEANING[verdict],
    builder: (y) => withJson(y)
      .positional('rev', { type: 'string', describe: 'the commit (default HEAD)' })
      .example(`$0 bisect ${verdict}`, `the checked-out commit is ${verdict === 'skip' ? 'untestable' : verdict}`)
      .example(`$0 bisect ${verdict} 3f2a9c01`, `a particular commit is ${verdict === 'skip' ? 'untestable' : verdict}`),
    run: async (repo, argv) => {
      const { markBisect } = await import('../../../bisect/index.js');
      const status = await markBisect(repo, verdict, argv.rev === undefined ? undefined : String(argv.rev));
      printResult(argv, status, formatBisectStatus);
    },
  });
}
