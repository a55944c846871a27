import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { withTransferProgress } from '../../progress.js';

export default repoCommand({
  command: 'push [remote] [branches..]',
  describe: 'send branches (and their data) to a remote',
  builder: (y) => withJson(y)
    .positional('remote', { type: 'string', describe: 'remote name (default origin)' })
    .positional('branches', { type: 'string', array: true, describe: 'branches to push (default: the current one)' })
    .option('tags', { type: 'boolean', default: false, describe: 'also push every tag' })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'allow updates that are not fast-forwards' })
    .example('$0 push', 'push the current branch to origin')
    .example('$0 push hub main exp/a', 'push two branches to the remote named hub')
    .example('$0 push --tags', 'push the current branch and every tag'),
  run: async (repo, argv) => {
    const { push } = await import('../../../remote/index.js');
    const r = await withTransferProgress('Sending objects', (progress) => push(repo, { remote: argv.remote, branches: argv.branches, tags: argv.tags, force: argv.force, progress }));
    printResult(argv, r, (x) => [
      `To ${x.url}`,
      ...x.refs.map((p) => `  ${p.status === 'up-to-date' ? '=' : p.status === 'forced' ? '+' : '*'} ${p.ref}  ${p.old ? p.old.slice(0, 12) : '(new)'} → ${p.new.slice(0, 12)}  ${p.status}`),
      `${x.objects} object(s), ${x.bytes} bytes sent`,
    ]);
  },
});
