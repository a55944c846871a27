import type { CommandModule } from 'yargs';
import log from './log.js';
import show from './show.js';
import cat from './cat.js';
import ls from './ls.js';
import diff from './diff.js';
import revParse from './rev-parse.js';
import branch from './branch.js';
import tag from './tag.js';
import reflog from './reflog.js';

/** Commands that read history and refs: log, show, cat, ls, diff, rev-parse, branch, tag, reflog. */
export const historyCommands: CommandModule<object, any>[] = [log, show, cat, ls, diff, revParse, branch, tag, reflog];
