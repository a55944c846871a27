import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { withTransferProgress } from '../../progress.js';

export default repoCommand({
  command: 'fetch [remote]',
  describe: 'bring a remote\'s branches into refs/remotes/REMOTE/… (and its new tags)',
  builder: (y) => withJson(y)
    .positional('remote', { type: 'string', describe: 'remote name (default origin), or a bundle file' })
    .example('$0 fetch', 'update origin/* from origin')
    .example('$0 fetch hub --json', 'what changed, as JSON')
    .example('$0 fetch week48.dvb', 'take in a bundle; its branches land under refs/remotes/week48/'),
  run: async (repo, argv) => {
    const { fetchRemote } = await import('../../../remote/index.js');
    const r = await withTransferProgress('Receiving objects', (progress) => fetchRemote(repo, { remote: argv.remote, progress }));
    printResult(argv, r, (x) => [
      `From ${x.url}`,
      ...x.updated.map((u) => `  ${u.new === null ? '- (deleted)' : u.old === null ? '* (new)' : '  ' + u.old.slice(0, 12) + ' →'} ${u.new ? u.new.slice(0, 12) : ''} ${u.local}`),
      ...x.tagsKept.map((t) => `  ! tag ${t} differs on the remote (kept yours)`),
      `${x.objects} object(s), ${x.bytes} bytes received`,
    ]);
  },
});
