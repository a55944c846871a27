import type { CommandModule } from 'yargs';
import run from './run.js';
import repro from './repro.js';
import replay from './replay.js';

/** Commands that run pipeline stages and replay recorded runs. */
export const pipelineCommands: CommandModule<object, any>[] = [run, repro, replay];
