import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { withTransferProgress } from '../../progress.js';

/** The mark before each ref in push's report, as git prints them. */
const PUSH_MARKS = { 'up-to-date': '=', forced: '+', created: '*', 'fast-forward': '*', deleted: '-' } as const;

export default repoCommand({
  command: 'push [remote] [branches..]',
  describe: 'send branches (and their data) to a remote',
  builder: (y) => withJson(y)
    .positional('remote', { type: 'string', describe: 'remote name (default origin)' })
    .positional('branches', { type: 'string', array: true, describe: 'branches to push (default: the current one)' })
    .option('tags', { type: 'boolean', default: false, describe: 'also push every tag' })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'allow updates that are not fast-forwards' })
    .option('delete', { alias: 'd', type: 'boolean', default: false, describe: 'delete the named branches (or tags) on the remote' })
    .option('dry-run', { alias: 'n', type: 'boolean', default: false, describe: 'say what would be sent and which refs would move; send nothing' })
    .example('$0 push', 'push the current branch to origin')
    .example('$0 push hub main exp/a', 'push two branches to the remote named hub')
    .example('$0 push --tags', 'push the current branch and every tag')
    .example('$0 push origin --delete exp/a', 'delete the branch exp/a on origin (and origin/exp/a here)')
    .example('$0 push --dry-run', 'how much a push would send, without sending it'),
  run: async (repo, argv) => {
    const { push } = await import('../../../remote/index.js');
    const r = await withTransferProgress('Sending objects', (progress) => push(repo, { remote: argv.remote, branches: argv.branches, tags: argv.tags, force: argv.force, delete: argv.delete, dryRun: argv.dryRun, progress }));
    printResult(argv, r, (x) => [
      `To ${x.url}`,
      ...x.refs.map((p) => `  ${PUSH_MARKS[p.status]} ${p.ref}  ${p.old ? p.old.slice(0, 12) : '(new)'} → ${p.new ? p.new.slice(0, 12) : '(deleted)'}  ${p.status}`),
      x.dryRun ? `Dry run: ${x.objects} object(s), ${x.bytes} bytes would be sent; nothing was sent` : `${x.objects} object(s), ${x.bytes} bytes sent`,
    ]);
  },
});
