import yargs from 'yargs';
import { commands } from './commands/index.js';
import { reportError } from './output.js';
import { UsageError } from '../errors/index.js';
import { packageVersion } from '../util/index.js';

/** Names (and aliases) of the top-level commands, to point a usage hint at the right help. */
const commandNames = new Set(commands.flatMap((c) => [c.command ?? []].flat().map((n) => String(n).split(' ')[0]!)));

/** Entry point: parses argv, runs one command, sets the exit code. Only cli/ prints or exits. */
export async function main(args: string[]): Promise<void> {
  ignoreClosedStdout();
  if (args.length === 1 && args[0] === '--version') {
    process.stdout.write(`dv ${packageVersion()}\n`);
    return;
  }
  const parser = yargs(args)
    .scriptName('dv')
    .usage('dv <command> [options]\n\nContent-addressed version control for data.')
    .command(commands)
    .demandCommand(1, 'name a command; `dv --help` lists them')
    .parserConfiguration({ 'populate--': true })
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    // `--version` is an option of `dv source` (a version tag); dv's own is answered above.
    .version(false)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .epilogue('Every read command takes --json. Exit codes: 0 success, 1 failure, 2 bad usage. `dv --version` prints the version.')
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
  try {
    await parser.parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      const known = args[0] !== undefined && commandNames.has(args[0]);
      process.stderr.write(`dv: ${err.message}\nhint: run \`dv ${known ? args[0] + ' ' : ''}--help\` for usage\n`);
      process.exitCode = 2;
      return;
    }
    process.exitCode = reportError(err);
  }
}

/**
 * When whoever reads dv's output stops early (`dv log | head`), the rest is dropped
 * quietly and the command still finishes what it was doing: a write must not crash a
 * command halfway through changing the repository.
 */
function ignoreClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.stdout.write = (() => true) as typeof process.stdout.write;
  });
}
