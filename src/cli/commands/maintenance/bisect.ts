import type { CommandModule } from 'yargs';
import start from './bisect-start.js';
import { markCommand } from './bisect-mark.js';
import run from './bisect-run.js';
import log from './bisect-log.js';
import reset from './bisect-reset.js';

/** `dv bisect <start|good|bad|skip|run|log|reset>`: binary search over data history. */
const bisect: CommandModule<object, object> = {
  command: 'bisect <command>',
  describe: 'binary search over history for the commit that introduced a problem',
  builder: (y) => y
    .command([start, markCommand('good'), markCommand('bad'), markCommand('skip'), run, log, reset] as CommandModule<object, any>[])
    .demandCommand(1, 'name a bisect command: start, good, bad, skip, run, log or reset')
    .example('$0 bisect start HEAD v1', 'search the commits since v1')
    .example('$0 bisect run -- node check.mjs', 'let check.mjs judge each one'),
  handler: () => {},
};
export default bisect;
