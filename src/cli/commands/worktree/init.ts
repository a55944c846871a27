import { plainCommand } from '../../command.js';
import { printResult } from '../../output.js';

export default plainCommand({
  command: 'init [dir]',
  describe: 'create a repository',
  builder: (y) => y
    .positional('dir', { type: 'string', default: '.', describe: 'directory to create it in' })
    .option('bare', { type: 'boolean', default: false, describe: 'no working tree (for sharing)' })
    .option('json', { type: 'boolean', describe: 'print one JSON document on stdout' })
    .example('$0 init', 'make the current directory a repository')
    .example('$0 init --bare /srv/data.dv', 'create a bare repository to push to'),
  run: async (argv) => {
    const { initRepository } = await import('../../../repo/index.js');
    const repo = initRepository(argv.dir as string, { bare: argv.bare });
    const result = { path: repo.dvDir, bare: repo.bare, branch: 'main' };
    await repo.close();
    printResult(argv, result, (r) => `Initialized empty ${r.bare ? 'bare ' : ''}dv repository in ${r.path}`);
  },
});
