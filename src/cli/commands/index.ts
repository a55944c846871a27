import type { CommandModule } from 'yargs';
import init from './init.js';

/** Every top-level command, in the order `dv --help` lists them. */
export const commands: CommandModule<object, any>[] = [
  init,
  // (register new commands above this line)
];
