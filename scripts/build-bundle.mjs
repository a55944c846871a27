// Bundles the CLI into dist/dv.cjs (bin/dv runs it). Every dv command pays for loading it,
// so what is bundled matters: the pure-JavaScript packages every command loads at start
// (yaml, ignore, tar-stream) are bundled in, because Node compiles one file faster than it
// resolves and loads their ~100 small modules (about 0.1 s of each start on a 2-core machine).
// The bundle is CommonJS, so `require` gives it the single-file CommonJS builds of the
// packages left outside (yargs, lmdb, msgpackr) instead of their many-module ES builds, and
// skips the ES loader's asynchronous module jobs: about 50 ms less per start, measured.
// These stay outside:
//   lmdb, msgpackr, zstd-napi, blake3, @c4312/*   native addons
//   isomorphic-git, @aws-sdk/*                      loaded on first use (git-lib.ts, s3 transport)
//   yargs                                           reads its locale files next to its own modules
import fs from 'node:fs';
import { build } from 'esbuild';

/** The worker threads' scripts: [folder under src/, name]. */
const WORKERS = [['store', 'store-worker'], ['store', 'read-worker'], ['contracts', 'check-worker']];
const EXTERNAL = ['lmdb', 'msgpackr', 'zstd-napi', 'blake3', '@c4312/*', 'isomorphic-git', '@aws-sdk/*', 'yargs'];

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: EXTERNAL,
  // The sources locate native addons, workers and packages from import.meta.url: the bundle's own file URL.
  define: { 'import.meta.url': '__dvModuleUrl' },
  banner: { js: "const __dvModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  // import.meta.resolve serves only runs from the TypeScript sources (util/worker-script.ts), never the bundle.
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
};
await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/dv.cjs' });
// Worker threads get bundles of their own (util/worker-script.ts starts them from here): one
// file starts in about 55 ms where the compiled modules they import took about 90 ms, paid by
// every command that starts a worker (a push's receiver, clone, add of large files, checks).
for (const [folder, name] of WORKERS) {
  await build({ ...common, entryPoints: [`src/${folder}/${name}.ts`], outfile: `dist/${name}.cjs` });
}
// bin/dv runs the bundle through v8-compile-cache, whose compiled scripts have no dynamic
// import(): anything outside the bundle must be required. Refuse a bundle that still imports.
const lines = fs.readFileSync('dist/dv.cjs', 'utf8').split('\n');
// `import(${…})` is text, not a call: the string util/worker-script.ts boots a worker from the sources with.
const dynamicImport = /[^\w.$]import\((?!\$\{)/;
const at = lines.findIndex((l) => dynamicImport.test(l));
if (at >= 0) {
  console.error(`dist/dv.cjs:${at + 1}: a dynamic import() is left in the bundle (make it a static import or a require): ${lines[at].trim()}`);
  process.exit(1);
}
