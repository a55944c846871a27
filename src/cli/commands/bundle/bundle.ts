import type { CommandModule } from 'yargs';
import create from './bundle-create.js';
import verify from './bundle-verify.js';
import unbundle from './bundle-unbundle.js';

/** `dv bundle <create|verify|unbundle>`: offline transfer as a tar file. */
const bundle: CommandModule<object, object> = {
  command: 'bundle <command>',
  describe: 'move history offline: write, check and import bundle files',
  builder: (y) => y
    .command([create, verify, unbundle] as CommandModule<object, any>[])
    .demandCommand(1, 'name a bundle command: create, verify or unbundle')
    .example('$0 bundle create week48.dvb v1..main', 'what main adds since v1')
    .example('$0 fetch week48.dvb', 'elsewhere: bring its branches in as refs/remotes/week48/*'),
  handler: () => {},
};
export default bundle;
