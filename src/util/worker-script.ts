import fs from 'node:fs';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { InternalError } from '../errors/index.js';

/**
 * Starts the worker thread `name` living in src/`folder`/, seen from the module at `from`
 * (its import.meta.url). From the bundle (dist/dv.cjs) its script is its own bundle beside
 * it (dist/`name`.cjs), else the compiled module in dist/`folder`/; compiled, it is next to
 * the module; from source under tsx it is the TypeScript file, and as a worker does not
 * inherit tsx's loader, the worker registers it before importing the source.
 */
export function startWorker(from: string, folder: string, name: string, opts: WorkerOptions): Worker {
  const bundled = from.endsWith('.cjs') ? [`./${name}.cjs`] : [];
  for (const rel of [...bundled, `./${name}.js`, `./${folder}/${name}.js`]) {
    const url = new URL(rel, from);
    if (fs.existsSync(url)) return new Worker(url, opts);
  }
  const source = new URL(`./${name}.ts`, from);
  if (!fs.existsSync(source)) throw new InternalError(`the worker script ${folder}/${name} is missing; rebuild dv with \`npm run build\``);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(source.href)}); })`;
  return new Worker(boot, { ...opts, eval: true });
}
