import type { CommandModule } from 'yargs';

/** Commands that read history and refs: log, show, cat, ls, diff, rev-parse, branch, tag, reflog. */
export const historyCommands: CommandModule<object, any>[] = [];
