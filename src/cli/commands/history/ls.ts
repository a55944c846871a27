import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';

export default repoCommand({
  command: 'ls [spec]',
  describe: 'list the entries of a tree in history',
  builder: (y) => withJson(y)
    .positional('spec', { type: 'string', default: 'HEAD', describe: 'REV or REV:PATH (default HEAD)' })
    .option('r', { alias: 'recursive', type: 'boolean', default: false, describe: 'list every file below, with full paths' })
    .example('$0 ls', 'the top level of HEAD')
    .example('$0 ls v1.0:data -r', 'every file under data/ as tagged v1.0')
    .example('$0 ls HEAD:data/a.csv --json', 'one file entry as JSON'),
  run: async (repo, argv) => {
    const { listTree } = await import('../../../history/index.js');
    printResult(argv, listTree(repo, argv.spec, { recursive: argv.r }), (entries) =>
      entries.map((e) => `${e.kind.padEnd(7)} ${e.id} ${String(e.size).padStart(12)}\t${e.path}${e.kind === 'tree' ? '/' : ''}`));
  },
});
