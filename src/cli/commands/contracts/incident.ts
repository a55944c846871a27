import type { CommandModule } from 'yargs';
import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { formatIncident, formatIncidentLine } from './format.js';

const list = repoCommand({
  command: 'list',
  describe: 'incidents, newest first',
  builder: (y) => withJson(y)
    .option('open', { type: 'boolean', default: false, describe: 'only unresolved ones' })
    .example('$0 incident list --open', 'what still needs handling'),
  run: async (repo, argv) => {
    const { listIncidents } = await import('../../../contracts/index.js');
    const items = listIncidents(repo, { status: argv.open ? 'open' : undefined });
    printResult(argv, items, (l) => (l.length === 0 ? 'no incidents' : l.map(formatIncidentLine)));
  },
});

const show = repoCommand({
  command: 'show <id>',
  describe: 'one incident: the contract, the data, what was wrong and what to do',
  builder: (y) => withJson(y)
    .positional('id', { type: 'string', demandOption: true, describe: 'incident id or unique prefix' })
    .example('$0 incident show 1a2b3c', 'explain an incident'),
  run: async (repo, argv) => {
    const { findIncident } = await import('../../../contracts/index.js');
    printResult(argv, findIncident(repo, argv.id), formatIncident);
  },
});

const resolve = repoCommand({
  command: 'resolve <id>',
  describe: 'record how an incident was handled',
  builder: (y) => withJson(y)
    .positional('id', { type: 'string', demandOption: true, describe: 'incident id or unique prefix' })
    .option('message', { alias: 'm', type: 'string', demandOption: true, describe: 'how it was handled' })
    .example('$0 incident resolve 1a2b3c -m "provider re-sent the file with ISO dates"', 'close an incident'),
  run: async (repo, argv) => {
    const { resolveIncident } = await import('../../../contracts/index.js');
    const inc = await resolveIncident(repo, argv.id, argv.message);
    printResult(argv, inc, (i) => `resolved incident ${i.id.slice(0, 12)}`);
  },
});

/** `dv incident list|show|resolve`: archived contract failures. */
const incident: CommandModule<object, object> = {
  command: 'incident <command>',
  describe: 'archived contract failures: list, show, resolve',
  builder: (y) => y
    .command([list, show, resolve] as CommandModule<object, any>[])
    .demandCommand(1, 'name an incident command: list, show or resolve')
    .example('$0 incident list', 'every incident')
    .example('$0 incident resolve 1a2b3c -m "fixed upstream"', 'close one'),
  handler: () => {},
};
export default incident;
