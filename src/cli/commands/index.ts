import type { CommandModule } from 'yargs';
import { worktreeCommands } from './worktree/index.js';
import { historyCommands } from './history/index.js';
import { maintenanceCommands } from './maintenance/index.js';
import { remoteCommands } from './remote/index.js';
import { bundleCommands } from './bundle/index.js';
import { contractCommands } from './contracts/index.js';
import { sourceCommands } from './sources/index.js';
import { pipelineCommands } from './pipeline/index.js';

/** Every top-level command, in the order `dv --help` lists them. */
export const commands: CommandModule<object, any>[] = [
  ...worktreeCommands,
  ...historyCommands,
  ...maintenanceCommands,
  ...remoteCommands,
  ...bundleCommands,
  ...contractCommands,
  ...sourceCommands,
  ...pipelineCommands,
];
