import { repoCommand } from '../../command.js';
import { printResult, note } from '../../output.js';
import { startProgress, withTransferProgress, type Progress } from '../../progress.js';

export default repoCommand({
  command: 'checkout [rev] [paths..]',
  describe: 'switch HEAD and the working tree to a revision, or restore paths from it',
  builder: (y) => y
    .positional('rev', { type: 'string', describe: 'branch, tag or commit (default HEAD)' })
    .positional('paths', { type: 'string', array: true, describe: 'after --: only restore these paths' })
    .option('b', { type: 'string', describe: 'create this branch at REV and switch to it' })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'discard local changes that would be overwritten' })
    .option('detach', { type: 'boolean', default: false, describe: 'detach HEAD even at a branch' })
    .option('json', { type: 'boolean', describe: 'print one JSON document on stdout' })
    .example('$0 checkout v1', 'look at the data as tagged v1 (detached HEAD)')
    .example('$0 checkout -b fix main~2', 'start a branch from an older commit')
    .example('$0 checkout v1 -- data/raw/weather.csv', 'restore one file as it was in v1'),
  run: async (repo, argv) => {
    const { checkout } = await import('../../../worktree/index.js');
    const { missingContentFetcher } = await import('../../../remote/index.js');
    const dd = (argv['--'] as string[] | undefined) ?? [];
    const paths = [...((argv.paths as string[] | undefined) ?? []), ...dd];
    let bar: Progress | undefined;
    // A partial clone's checkout first fetches the content it lacks, with a progress line of its own.
    const fetcher = missingContentFetcher(repo);
    const result = await checkout(repo, {
      rev: argv.rev, newBranch: argv.b, force: argv.force, detach: argv.detach, paths, cwd: process.cwd(),
      onStart: (total) => { bar = startProgress('Checking out', total); },
      onBytes: (n) => bar?.tick(n),
      fetchMissing: fetcher && ((ids) => withTransferProgress('Receiving objects', (progress) => fetcher(ids, progress))),
    });
    bar?.done();
    if (!argv.json) {
      if (paths.length) note(`Updated ${result.written} path(s) from ${argv.rev ?? 'HEAD'}`);
      else if (result.detached) note(`HEAD is now at ${result.target.slice(0, 12)} (detached)`);
      else note(`Switched to branch '${result.branch}'`);
    }
    printResult(argv, result, () => []);
  },
});
