import type { CommandModule } from 'yargs';
import bundle from './bundle.js';

/** Offline transfer: dv bundle create/verify/unbundle. */
export const bundleCommands: CommandModule<object, any>[] = [bundle];
