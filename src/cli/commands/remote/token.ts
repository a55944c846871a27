import type { CommandModule } from 'yargs';
import { plainCommand } from '../../command.js';

const create = plainCommand({
  command: 'create <name>',
  describe: 'make an access token for `dv serve`; prints its secret once',
  builder: (y) => y
    .positional('name', { type: 'string', demandOption: true, describe: 'who the token is for (recorded in reflogs)' })
    .option('tokens', { type: 'string', demandOption: true, describe: 'tokens file the server reads' })
    .option('read', { type: 'string', array: true, default: [], describe: 'REPO:BRANCH-GLOB it may read' })
    .option('write', { type: 'string', array: true, default: [], describe: 'REPO:BRANCH-GLOB it may push to (implies read)' })
    .example('$0 token create ci --tokens t.json --read "*:*"', 'a token that may read everything')
    .example('$0 token create alice --tokens t.json --write "hub:team/*"', 'push to hub\'s team/* branches'),
  run: async (argv) => {
    const { createToken } = await import('../../../server/index.js');
    const t = createToken(argv.tokens, argv.name, { read: (argv.read as string[]).map(String), write: (argv.write as string[]).map(String) });
    process.stdout.write(t.secret + '\n');
  },
});

/** `dv token create`. */
const token: CommandModule<object, object> = {
  command: 'token <command>',
  describe: 'manage access tokens for `dv serve`',
  builder: (y) => y
    .command([create] as CommandModule<object, any>[])
    .demandCommand(1, 'name a token command: create')
    .example('$0 token create ci --tokens t.json --read "*:*"', 'make a read token'),
  handler: () => {},
};
export default token;
