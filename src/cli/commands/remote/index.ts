import type { CommandModule } from 'yargs';
import remote from './remote.js';
import push from './push.js';
import fetch from './fetch.js';
import pull from './pull.js';
import clone from './clone.js';
import serve from './serve.js';
import token from './token.js';

/** Commands that share data with other repositories: remote, push, fetch, pull, clone, serve, token. */
export const remoteCommands: CommandModule<object, any>[] = [remote, push, fetch, pull, clone, serve, token];
