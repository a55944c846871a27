import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import type { Repository } from '../repo/index.js';

/** Options shared by every command. */
export interface GlobalOptions { json?: boolean }

/** Defines a command that needs no repository (init, clone, serve…). */
export function plainCommand<T extends object>(def: {
  command: string | string[];
  describe: string;
  builder: (y: Argv) => Argv<T>;
  run: (argv: ArgumentsCamelCase<T & GlobalOptions>) => Promise<number | void> | number | void;
}): CommandModule<object, T> {
  return {
    command: def.command,
    describe: def.describe,
    builder: def.builder as CommandModule<object, T>['builder'],
    handler: async (argv) => {
      const code = await def.run(argv as ArgumentsCamelCase<T & GlobalOptions>);
      if (typeof code === 'number') process.exitCode = code;
    },
  };
}

/**
 * Defines a command that opens the repository around the working directory, runs the
 * handler and closes the repository again (also on error).
 */
export function repoCommand<T extends object>(def: {
  command: string | string[];
  describe: string;
  builder: (y: Argv) => Argv<T>;
  run: (repo: Repository, argv: ArgumentsCamelCase<T & GlobalOptions>) => Promise<number | void> | number | void;
}): CommandModule<object, T> {
  return plainCommand({
    ...def,
    run: async (argv) => {
      const { openRepository } = await import('../repo/index.js');
      const repo = openRepository(process.cwd());
      if (repo.migration) reportMigration(repo.migration);
      try {
        return await def.run(repo, argv);
      } finally {
        await repo.close();
      }
    },
  });
}

/** Says on stderr that opening upgraded the repository, and what it could not carry over. */
function reportMigration(m: NonNullable<Repository['migration']>): void {
  process.stderr.write(`dv: upgraded this repository from format ${m.from} to ${m.to} (older dv versions can no longer open it)\n`);
  for (const p of m.dropped) {
    process.stderr.write(`dv: the staged entry for ${p} was unreadable and is no longer staged; the file is untouched (\`dv add ${p}\` stages it again)\n`);
  }
}

/** Adds `--json` to a read command. */
export function withJson<T>(y: Argv<T>): Argv<T & { json: boolean | undefined }> {
  return y.option('json', { type: 'boolean', describe: 'print one JSON document on stdout' });
}
