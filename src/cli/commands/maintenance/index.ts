import type { CommandModule } from 'yargs';
import fsck from './fsck.js';
import gc from './gc.js';
import bisect from './bisect.js';

/** Commands that check and repair the repository, and search history: fsck, gc, bisect. */
export const maintenanceCommands: CommandModule<object, any>[] = [fsck, gc, bisect];
