import { plainCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { formatBundleSummary } from './bundle-format.js';

export default plainCommand({
  command: 'verify <file>',
  describe: 'check a bundle completely (and, inside a repository, that it has what the bundle needs)',
  builder: (y) => withJson(y)
    .positional('file', { type: 'string', demandOption: true, describe: 'bundle file' })
    .example('$0 bundle verify week48.dvb', 'check before importing')
    .example('$0 bundle verify week48.dvb --json', 'its refs and counts as JSON'),
  run: async (argv) => {
    const { verifyBundleFile } = await import('../../../remote/bundle/index.js');
    const { openRepository } = await import('../../../repo/index.js');
    let repo;
    try { repo = openRepository(process.cwd()); } catch { repo = undefined; }
    try {
      const r = await verifyBundleFile(argv.file, repo);
      printResult(argv, { ...r, checkedAgainstRepository: repo !== undefined }, (x) => [`${x.file} is a valid bundle${repo ? ' for this repository' : ''}`, ...formatBundleSummary(x)]);
    } finally {
      await repo?.close();
    }
  },
});
