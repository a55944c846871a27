import type { CommandModule } from 'yargs';
import { worktreeCommands } from './worktree/index.js';
import { historyCommands } from './history/index.js';
import { maintenanceCommands } from './maintenance/index.js';
import { contractCommands } from './contracts/index.js';
import { sourceCommands } from './sources/index.js';

/** Every top-level command, in the order `dv --help` lists them. */
export const commands: CommandModule<object, any>[] = [
  ...worktreeCommands,
  ...historyCommands,
  ...maintenanceCommands,
  ...contractCommands,
  ...sourceCommands,
];
