import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { UsageError } from '../../../errors/index.js';

export default repoCommand({
  command: 'reflog [ref]',
  describe: 'show how a ref moved, newest first (default HEAD)',
  builder: (y) => withJson(y)
    .positional('ref', { type: 'string', default: 'HEAD', describe: 'HEAD, a branch, a tag or a full ref name' })
    .option('n', { alias: 'max-count', type: 'number', describe: 'show at most N entries' })
    .example('$0 reflog', 'where HEAD has been')
    .example('$0 reflog main -n 5', 'the last five moves of main')
    .example('$0 reflog main --json', 'the audit trail of main, with who moved it'),
  run: async (repo, argv) => {
    const { readReflog } = await import('../../../history/index.js');
    if (argv.n !== undefined && (!Number.isInteger(argv.n) || argv.n < 0)) throw new UsageError(`-n needs a whole number, got ${argv.n}`);
    const log = readReflog(repo, argv.ref, argv.n);
    printResult(argv, log.entries, (entries) =>
      entries.map((e) => `${e.new ? e.new.slice(0, 12) : '0'.repeat(12)} ${argv.ref}@{${e.index}}: ${e.message.split('\n')[0]}`));
  },
});
