import { repoCommand } from '../../command.js';
import { printResult } from '../../output.js';

export default repoCommand({
  command: 'commit',
  describe: 'record the staged state as a new commit; prints its id',
  builder: (y) => y
    .option('message', { alias: 'm', type: 'string', demandOption: true, describe: 'what changed and why' })
    .option('allow-empty', { type: 'boolean', default: false, describe: 'commit even if nothing changed' })
    .option('verify', { type: 'boolean', default: true, describe: 'check data contracts of staged files (--no-verify skips, and the commit records it)' })
    .option('json', { type: 'boolean', describe: 'print one JSON document on stdout' })
    .example('$0 commit -m "Provider corrected March readings"', 'commit what is staged'),
  run: async (repo, argv) => {
    const { commit } = await import('../../../worktree/index.js');
    const { runGate } = await import('../contracts/gate.js');
    const { runsForStagedContent } = await import('../../../pipeline/index.js');
    const meta = await runGate(repo, { skip: !argv.verify });
    const runs = runsForStagedContent(repo);
    const result = await commit(repo, { message: argv.message, allowEmpty: argv.allowEmpty, meta: runs.length ? { ...meta, runs } : meta });
    printResult(argv, result, (r) => r.id);
  },
});
