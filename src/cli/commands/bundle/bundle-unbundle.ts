import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { formatBundleSummary } from './bundle-format.js';

export default repoCommand({
  command: 'unbundle <file>',
  describe: 'verify a bundle, store its objects and print its refs (moves no ref; `dv fetch FILE` does)',
  builder: (y) => withJson(y)
    .positional('file', { type: 'string', demandOption: true, describe: 'bundle file' })
    .example('$0 bundle unbundle week48.dvb', 'import the objects, list the refs')
    .example('$0 bundle unbundle week48.dvb && dv branch week48 <id>', 'then point a branch at one'),
  run: async (repo, argv) => {
    const { unbundle } = await import('../../../remote/bundle/index.js');
    const r = await unbundle(repo, argv.file);
    printResult(argv, r, (x) => [`Stored ${x.stored} new object(s) from ${x.file}`, ...formatBundleSummary(x)]);
  },
});
