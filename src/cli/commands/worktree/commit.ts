import { repoCommand } from '../../command.js';
import { printResult } from '../../output.js';

export default repoCommand({
  command: 'commit',
  describe: 'record the staged state as a new commit; prints its id',
  builder: (y) => y
    .option('message', { alias: 'm', type: 'string', demandOption: true, describe: 'what changed and why' })
    .option('allow-empty', { type: 'boolean', default: false, describe: 'commit even if nothing changed' })
    .option('json', { type: 'boolean', describe: 'print one JSON document on stdout' })
    .example('$0 commit -m "Provider corrected March readings"', 'commit what is staged'),
  run: async (repo, argv) => {
    const { commit } = await import('../../../worktree/index.js');
    const { runsForStagedContent } = await import('../../../pipeline/index.js');
    const runs = runsForStagedContent(repo);
    const result = await commit(repo, { message: argv.message, allowEmpty: argv.allowEmpty, meta: runs.length ? { runs } : undefined });
    printResult(argv, result, (r) => r.id);
  },
});
