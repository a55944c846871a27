import type { CommandModule } from 'yargs';
import source from './source.js';
import verify from './verify.js';

/** Upstream sources and integrity: source, verify. */
export const sourceCommands: CommandModule<object, any>[] = [source, verify];
