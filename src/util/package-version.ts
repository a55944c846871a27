import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * dv's own version: the package.json named "dv" found by walking up from this module
 * (src/util, dist/util or the dist/ bundle), or "unknown" in a copy without one.
 */
export function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++, dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'dv' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json here (or not dv's): look further up.
    }
  }
  return 'unknown';
}
