import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from './process.js';

/** `<name>.dv-tmp-<pid>` or `<name>.dv-tmp-<pid>-<n>`: a file dv is making, to be renamed over `<name>`. */
const TEMPORARY_NAME = /\.dv-tmp-(\d+)(?:-\d+)?$/;

/** The name this process makes a file under before renaming it to `target` (`n` tells its files apart). */
export function temporaryName(target: string, n: number): string {
  return `${target}.dv-tmp-${process.pid}-${n}`;
}

/** True for a name temporaryName makes: never tracked, listed or added (a killed process may leave one). */
export function isTemporaryName(name: string): boolean {
  return TEMPORARY_NAME.test(name);
}

/**
 * Removes the temporary files in `dir` whose process is gone: what a checkout killed
 * while writing a file left behind. Those of running processes stay.
 */
export function removeStaleTemporaries(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // not there (yet): nothing to remove
  }
  for (const name of names) {
    const m = TEMPORARY_NAME.exec(name);
    if (m && !isProcessAlive(Number(m[1]))) fs.rmSync(path.join(dir, name), { force: true });
  }
}
