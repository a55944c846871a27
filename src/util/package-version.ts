import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The first of this module's directory and the three above it (src/util, dist/util or
 * the dist/ bundle, then up to the package root) where `found(dir)` holds: how dv finds
 * what sits in its package root whether it runs from the sources, dist/ or the bundle.
 */
export function findAbovePackageCode(found: (dir: string) => boolean): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++, dir = path.dirname(dir)) if (found(dir)) return dir;
  return undefined;
}

/** dv's own version: from the package.json named "dv" above this code, or "unknown" in a copy without one. */
export function packageVersion(): string {
  let version = 'unknown';
  findAbovePackageCode((dir) => {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name !== 'dv' || typeof pkg.version !== 'string') return false;
      version = pkg.version;
      return true;
    } catch {
      return false; // no package.json here (or not dv's): look further up
    }
  });
  return version;
}
