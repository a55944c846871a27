import { plainCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { withTransferProgress } from '../../progress.js';

export default plainCommand({
  command: 'clone <url> [dir]',
  describe: 'copy a repository (its history and data) into a new directory',
  builder: (y) => withJson(y)
    .positional('url', { type: 'string', demandOption: true, describe: 'a path, http(s)://HOST:PORT/NAME, s3://BUCKET/PREFIX or a bundle file' })
    .positional('dir', { type: 'string', describe: 'directory to create (default: the URL\'s last segment)' })
    .option('bare', { type: 'boolean', default: false, describe: 'no working tree (for sharing)' })
    .option('branch', { alias: 'b', type: 'string', describe: 'branch to check out (default: the remote\'s HEAD)' })
    .option('checkout', { type: 'boolean', default: true, describe: 'check out the branch; --no-checkout makes a partial clone (history, not data; `dv checkout REV -- PATH` fetches what it needs)' })
    .example('$0 clone /srv/data.dv work', 'clone a repository on a path')
    .example('$0 clone http://hub:8080/hub --branch dev', 'clone from `dv serve`, checking out dev')
    .example('$0 clone s3://team-data/weather work', 'clone from S3 (AWS settings from the usual environment variables)')
    .example('$0 clone --no-checkout http://hub:8080/hub && dv checkout main -- data/small.csv', 'fetch only one file\'s data'),
  run: async (argv) => {
    const { clone } = await import('../../../remote/index.js');
    const r = await withTransferProgress('Receiving objects', (progress) => clone(argv.url, { dir: argv.dir, bare: argv.bare, branch: argv.branch, noCheckout: argv.checkout === false, progress }));
    printResult(argv, r, (x) => `Cloned ${x.url} into ${x.dir}${x.bare ? ' (bare)' : ''}${x.partial ? ' (partial: data fetched on checkout)' : ''}: ${x.objects} object(s), ${x.bytes} bytes${x.branch ? `, branch ${x.branch}` : ''}`);
  },
});
