import type { CommandModule } from 'yargs';
import init from './init.js';
import add from './add.js';
import rm from './rm.js';
import status from './status.js';
import commit from './commit.js';
import checkout from './checkout.js';
import exportCmd from './export.js';
import config from './config.js';

/** Commands that create and configure repositories and move data between the working tree and history. */
export const worktreeCommands: CommandModule<object, any>[] = [init, add, rm, status, commit, checkout, exportCmd, config];
