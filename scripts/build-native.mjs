// Builds the native addon (build/Release/dv_native.node: one-shot BLAKE3, the FastCDC
// cut search, row helpers, lstat per directory, the status scan, received-blob checks,
// delta compression) with node-gyp. dv works without it, more slowly, so a failed build
// warns instead of failing the install.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const candidates = [
  process.env.npm_config_node_gyp,
  path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && fs.existsSync(p));
if (candidates.length === 0) {
  console.warn('dv: node-gyp not found; the native addon is not built (dv falls back to its JavaScript versions)');
  process.exit(0);
}
// Build against the running Node's own headers when they are installed (no download).
const prefix = path.join(path.dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir || (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
const r = spawnSync(process.execPath, [candidates[0], 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (r.status !== 0) {
  console.warn(`dv: building the native addon failed; dv falls back to its JavaScript versions\n${(r.stderr || '').split('\n').slice(-15).join('\n')}`);
}
