// Bundles the CLI into dist/dv.mjs (bin/dv runs it). Every dv command pays for loading it,
// so what is bundled matters: the pure-JavaScript packages every command loads at start
// (yaml, ignore, tar-stream) are bundled in, because Node compiles one file faster than it
// resolves and loads their ~100 small modules (about 0.1 s of each start on a 2-core machine).
// These stay outside:
//   lmdb, msgpackr, zstd-napi, blake3, @c4312/*   native addons
//   isomorphic-git, @aws-sdk/*                      loaded on first use (git-lib.ts, s3 transport)
//   yargs                                           reads its locale files next to its own modules
import { build } from 'esbuild';

const EXTERNAL = ['lmdb', 'msgpackr', 'zstd-napi', 'blake3', '@c4312/*', 'isomorphic-git', '@aws-sdk/*', 'yargs'];

await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  // Bundled CommonJS modules require Node's built-ins; an ES module has no `require` of its own.
  banner: { js: "import { createRequire as __dvCreateRequire } from 'node:module';\nconst require = __dvCreateRequire(import.meta.url);" },
  outfile: 'dist/dv.mjs',
  logLevel: 'warning',
});
