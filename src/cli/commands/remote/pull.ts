import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { withTransferProgress } from '../../progress.js';

export default repoCommand({
  command: 'pull [remote] [branch]',
  describe: 'fetch, then fast-forward the current branch to the remote\'s',
  builder: (y) => withJson(y)
    .positional('remote', { type: 'string', describe: 'remote name (default origin)' })
    .positional('branch', { type: 'string', describe: 'remote branch (default: the current branch\'s name)' })
    .example('$0 pull', 'bring the current branch up to date with origin')
    .example('$0 pull hub main', 'fast-forward to hub\'s main'),
  run: async (repo, argv) => {
    const { pull } = await import('../../../remote/index.js');
    const r = await withTransferProgress('Receiving objects', (progress) => pull(repo, { remote: argv.remote, branch: argv.branch, progress }));
    printResult(argv, r, (x) => x.status === 'up-to-date'
      ? `Already up to date (${x.branch} at ${x.new.slice(0, 12)})`
      : `Fast-forward ${x.branch}: ${x.old ? x.old.slice(0, 12) : '(none)'} → ${x.new.slice(0, 12)} (${x.written} file(s) written, ${x.deleted} deleted)`);
  },
});
