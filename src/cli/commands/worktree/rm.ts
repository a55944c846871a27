import { repoCommand } from '../../command.js';
import { printResult } from '../../output.js';

export default repoCommand({
  command: 'rm <paths..>',
  describe: 'unstage tracked files and delete them from the working tree',
  builder: (y) => y
    .positional('paths', { type: 'string', array: true, demandOption: true })
    .option('cached', { type: 'boolean', default: false, describe: 'only unstage; keep the files' })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'delete even files with unstaged changes' })
    .option('json', { type: 'boolean', describe: 'print one JSON document on stdout' })
    .example('$0 rm data/old.csv', 'stop tracking a file and delete it')
    .example('$0 rm --cached data/tmp', 'stop tracking a directory, keep the files'),
  run: async (repo, argv) => {
    const { rm } = await import('../../../worktree/index.js');
    const result = rm(repo, { paths: argv.paths as string[], cwd: process.cwd(), cached: argv.cached, force: argv.force });
    printResult(argv, result, (r) => r.removed.map((p) => `rm ${p}`));
  },
});
