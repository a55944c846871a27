import { formatBytes } from '../../../util/index.js';
import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';

export default repoCommand({
  command: 'gc',
  describe: 'drop unreachable objects safely',
  builder: (y) => withJson(y)
    .option('dry-run', { type: 'boolean', default: false, describe: 'report what would be removed, remove nothing' })
    .example('$0 gc', 'remove objects no ref, reflog, index entry or bisect reaches')
    .example('$0 gc --dry-run --json', 'count what gc would remove'),
  run: async (repo, argv) => {
    const { gc } = await import('../../../maintenance/index.js');
    const result = await gc(repo, { dryRun: argv.dryRun });
    printResult(argv, result, (r) =>
      `${r.dryRun ? 'would remove' : 'removed'} ${r.removed} unreachable object${r.removed === 1 ? '' : 's'} (${formatBytes(r.bytesRemoved)}); kept ${r.kept}`);
  },
});
