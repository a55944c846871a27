import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { UsageError } from '../../../errors/index.js';

export default repoCommand({
  command: 'branch [names..]',
  describe: 'list, create, rename or delete branches',
  builder: (y) => withJson(y)
    .positional('names', { type: 'string', array: true, describe: 'NAME [START] to create; names to delete; [OLD] NEW to rename' })
    .option('d', { alias: 'delete', type: 'boolean', default: false, describe: 'delete branches (refused if not merged into HEAD)' })
    .option('D', { type: 'boolean', default: false, describe: 'delete branches even if not merged' })
    .option('m', { alias: 'move', type: 'boolean', default: false, describe: 'rename a branch: -m [OLD] NEW' })
    .option('M', { type: 'boolean', default: false, describe: 'rename, replacing an existing branch' })
    .option('f', { alias: 'force', type: 'boolean', default: false, describe: 'move an existing branch to START' })
    .option('list', { alias: 'l', type: 'boolean', default: false, describe: 'list branches (names are glob patterns)' })
    .option('r', { alias: 'remotes', type: 'boolean', default: false, describe: 'list remote-tracking branches' })
    .option('a', { alias: 'all', type: 'boolean', default: false, describe: 'list local and remote-tracking branches' })
    .option('v', { alias: 'verbose', type: 'boolean', default: false, describe: 'show tip id and subject' })
    .example('$0 branch', 'list branches; * marks the current one')
    .example('$0 branch fix-upstream main~2', 'start a branch at an older commit')
    .example('$0 branch -d fix-upstream', 'delete a merged branch'),
  run: async (repo, argv) => {
    const h = await import('../../../history/index.js');
    const names = (argv.names ?? []).map(String);
    const modes = [argv.d || argv.D, argv.m || argv.M, argv.list || argv.r || argv.a].filter(Boolean).length;
    if (modes > 1) throw new UsageError('use only one of -d, -m and --list');
    if (argv.d || argv.D) {
      if (names.length === 0) throw new UsageError('branch -d needs the name of a branch to delete');
      const deleted = h.deleteBranches(repo, names, { force: argv.D || argv.f });
      printResult(argv, deleted, (list) => list.map((b) => `Deleted branch ${b.name} (was ${b.id.slice(0, 12)}).`));
    } else if (argv.m || argv.M) {
      if (names.length < 1 || names.length > 2) throw new UsageError('branch -m takes [OLD] NEW');
      const old = names.length === 2 ? names[0]! : h.currentBranch(repo);
      if (old === null) throw new UsageError('HEAD is detached: name the branch to rename, as -m OLD NEW');
      printResult(argv, h.renameBranch(repo, old, names[names.length - 1]!, { force: argv.M || argv.f }), () => []);
    } else if (argv.list || argv.r || argv.a || names.length === 0) {
      const list = h.listBranches(repo, { remotes: argv.r, all: argv.a, patterns: names });
      const width = Math.max(0, ...list.map((b) => b.name.length));
      printResult(argv, list, (bs) => bs.map((b) =>
        `${b.current ? '*' : ' '} ${argv.v ? `${b.name.padEnd(width)} ${b.id.slice(0, 12)} ${b.subject}` : b.name}`));
    } else {
      if (names.length > 2) throw new UsageError('branch takes NAME [START]');
      printResult(argv, h.createBranch(repo, names[0]!, names[1], { force: argv.f }), () => []);
    }
  },
});
