import type { CommandModule } from 'yargs';
import { UsageError } from '../../../errors/index.js';
import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { printFailure } from '../contracts/gate.js';
import { formatSourceList, formatSourceLog, formatSourceResult } from './format.js';

/** Prints contract details when a source command was stopped by a contract, then rethrows. */
async function gated<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    printFailure(err);
    throw err;
  }
}

const add = repoCommand({
  command: 'add <name>',
  describe: 'register an upstream source: fetch it, check its contracts, commit it',
  builder: (y) => withJson(y)
    .positional('name', { type: 'string', demandOption: true, describe: 'short name of the source' })
    .option('from', { type: 'string', demandOption: true, describe: 'http(s) URL or local path' })
    .option('to', { type: 'string', demandOption: true, describe: 'path in the repository' })
    .option('version', { type: 'string', describe: 'version tag (default v1)' })
    .option('message', { alias: 'm', type: 'string', describe: 'note recorded with the version' })
    .option('verify', { type: 'boolean', default: true, describe: 'check contracts (--no-verify skips, and the commit records it)' })
    .example('$0 source add weather --from https://example.org/weather.csv --to data/raw/weather.csv', 'register a dataset served over HTTP')
    .example('$0 source add stations --from /mnt/share/stations.tsv --to data/raw/stations.tsv --version 2024-03', 'register a local file with a version tag'),
  run: async (repo, argv) => {
    const { addSource, parseSourcePath } = await import('../../../sources/index.js');
    const { toRepoPath } = await import('../../../util/index.js');
    const to = repo.root ? toRepoPath(repo.root, process.cwd(), argv.to) : parseSourcePath(argv.to);
    const r = await gated(() => addSource(repo, { name: argv.name, from: argv.from, to, version: argv.version, note: argv.message, verify: argv.verify }));
    printResult(argv, r, formatSourceResult);
  },
});

const update = repoCommand({
  command: 'update <name>',
  describe: 'fetch a source again; commits only if upstream changed and its contracts pass',
  builder: (y) => withJson(y)
    .positional('name', { type: 'string', demandOption: true })
    .option('from', { type: 'string', describe: 'a new origin (default: the recorded one)' })
    .option('version', { type: 'string', describe: 'version tag (default v<N>)' })
    .option('message', { alias: 'm', type: 'string', describe: 'note recorded with the version' })
    .option('verify', { type: 'boolean', default: true, describe: 'check contracts (--no-verify skips, and the commit records it)' })
    .example('$0 source update weather -m "provider corrected March"', 'fetch the corrected feed')
    .example('$0 source update weather --from ./weather-v2.csv --version 2024-04', 'take a new version from a file'),
  run: async (repo, argv) => {
    const { updateSource } = await import('../../../sources/index.js');
    const r = await gated(() => updateSource(repo, { name: argv.name, from: argv.from, version: argv.version, note: argv.message, verify: argv.verify }));
    printResult(argv, r, formatSourceResult);
  },
});

const list = repoCommand({
  command: 'list',
  describe: 'registered sources at their current version',
  builder: (y) => withJson(y).example('$0 source list', 'every source with version, checksum, path and origin'),
  run: async (repo, argv) => {
    const { listSources } = await import('../../../sources/index.js');
    printResult(argv, listSources(repo), formatSourceList);
  },
});

const log = repoCommand({
  command: 'log <name>',
  describe: "a source's versions, newest first, with their row changes",
  builder: (y) => withJson(y)
    .positional('name', { type: 'string', demandOption: true })
    .example('$0 source log weather', 'when each version arrived and which rows it changed'),
  run: async (repo, argv) => {
    const { sourceLog } = await import('../../../sources/index.js');
    printResult(argv, sourceLog(repo, argv.name), formatSourceLog);
  },
});

const checkout = repoCommand({
  command: 'checkout <name> <version>',
  describe: 'roll one source back (or forward) to a recorded version and commit that',
  builder: (y) => withJson(y)
    .positional('name', { type: 'string', demandOption: true })
    .positional('version', { type: 'string', demandOption: true, describe: 'version tag, or the commit that recorded it' })
    .example('$0 source checkout weather v1', 'go back to the first version of weather only'),
  run: async (repo, argv) => {
    const { checkoutSource } = await import('../../../sources/index.js');
    printResult(argv, await checkoutSource(repo, { name: argv.name, version: argv.version }), formatSourceResult);
  },
});

/** `dv source add|update|list|log|checkout`: the registry of upstream sources. */
const source: CommandModule<object, object> = {
  command: 'source <command>',
  describe: 'upstream sources: add, update, list, log, checkout',
  builder: (y) => y
    .command([add, update, list, log, checkout] as CommandModule<object, any>[])
    .demandCommand(1, 'name a source command: add, update, list, log or checkout')
    .example('$0 source add weather --from https://example.org/w.csv --to data/w.csv', 'register')
    .example('$0 source update weather', 'fetch again (no commit when unchanged)'),
  handler: () => { throw new UsageError('name a source command'); },
};
export default source;
