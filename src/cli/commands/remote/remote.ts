import type { CommandModule } from 'yargs';
import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';

const add = repoCommand({
  command: 'add <name> <url>',
  describe: 'add a remote: a path, http(s)://HOST:PORT/NAME or s3://BUCKET/PREFIX',
  builder: (y) => withJson(y)
    .positional('name', { type: 'string', demandOption: true, describe: 'short name (origin, team…)' })
    .positional('url', { type: 'string', demandOption: true, describe: 'where the repository is' })
    .example('$0 remote add origin /srv/data.dv', 'a bare repository on a mounted disk')
    .example('$0 remote add hub http://data.example:8080/hub', 'a repository served by `dv serve`')
    .example('$0 remote add team s3://my-bucket/datasets', 'objects in an S3 bucket (AWS S3, MinIO, Ceph)'),
  run: async (repo, argv) => {
    const { addRemote, remoteLocation } = await import('../../../remote/index.js');
    printResult(argv, addRemote(repo, argv.name, remoteLocation(argv.url)), (r) => `Added remote ${r.name} → ${r.url}`);
  },
});

const setUrl = repoCommand({
  command: 'set-url <name> <url>',
  describe: 'point a remote at another URL (its remote-tracking branches stay)',
  builder: (y) => withJson(y)
    .positional('name', { type: 'string', demandOption: true, describe: 'the remote' })
    .positional('url', { type: 'string', demandOption: true, describe: 'where the repository is now' })
    .example('$0 remote set-url origin http://data2.example:8080/hub', 'the server moved'),
  run: async (repo, argv) => {
    const { setRemoteUrl, remoteLocation } = await import('../../../remote/index.js');
    printResult(argv, setRemoteUrl(repo, argv.name, remoteLocation(argv.url)), (r) => `Remote ${r.name} → ${r.url}`);
  },
});

const list = repoCommand({
  command: ['list', 'ls'],
  describe: 'list remotes',
  builder: (y) => withJson(y)
    .example('$0 remote list', 'names and URLs')
    .example('$0 remote list --json', 'as JSON'),
  run: async (repo, argv) => {
    const { listRemotes } = await import('../../../remote/index.js');
    printResult(argv, { remotes: listRemotes(repo) }, (r) => r.remotes.map((x) => `${x.name}\t${x.url}${x.partial ? '\t(partial)' : ''}`));
  },
});

const remove = repoCommand({
  command: ['remove <name>', 'rm <name>'],
  describe: 'remove a remote and its remote-tracking branches',
  builder: (y) => withJson(y)
    .positional('name', { type: 'string', demandOption: true })
    .example('$0 remote remove team', 'forget the remote named team'),
  run: async (repo, argv) => {
    const { removeRemote } = await import('../../../remote/index.js');
    printResult(argv, removeRemote(repo, argv.name), (r) => `Removed remote ${r.name} (${r.refs} remote-tracking ref(s))`);
  },
});

/** `dv remote add/list/set-url/remove`. */
const remote: CommandModule<object, object> = {
  command: 'remote <command>',
  describe: 'manage the remotes this repository pushes to and fetches from',
  builder: (y) => y
    .command([add, list, setUrl, remove] as CommandModule<object, any>[])
    .demandCommand(1, 'name a remote command: add, list, set-url or remove')
    .example('$0 remote add origin /srv/data.dv', 'add a remote')
    .example('$0 remote list', 'list remotes'),
  handler: () => {},
};
export default remote;
