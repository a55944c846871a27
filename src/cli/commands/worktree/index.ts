import type { CommandModule } from 'yargs';
import init from './init.js';

/** Commands that create repositories and move data between the working tree and history. */
export const worktreeCommands: CommandModule<object, any>[] = [init];
