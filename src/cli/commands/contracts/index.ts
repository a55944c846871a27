import type { CommandModule } from 'yargs';
import validate from './validate.js';
import incident from './incident.js';

/** Data contracts and their incidents: validate, incident. */
export const contractCommands: CommandModule<object, any>[] = [validate, incident];
