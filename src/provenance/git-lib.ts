import { createRequire } from 'node:module';

type GitLib = typeof import('isomorphic-git');
let cached: GitLib | undefined;

/**
 * isomorphic-git, loaded on first use with `require`: importing its 0.6 MB CommonJS build
 * from ESM makes Node scan the whole file for export names, which costs more than
 * anything a pipeline command then does with it.
 */
export function gitLib(): GitLib {
  cached ??= createRequire(import.meta.url)('isomorphic-git') as GitLib;
  return cached;
}
