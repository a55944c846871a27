import fs from 'node:fs';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { InternalError } from '../errors/index.js';

/**
 * Starts the worker thread `name` living in src/`folder`/, seen from the module at `from`
 * (its import.meta.url). Its script is next to that module when compiled (dist/`folder`/),
 * in the bundle's `folder`/ subfolder (from dist/dv.cjs), or the TypeScript source when
 * dv runs from source under tsx — whose loader a worker does not inherit, so the worker
 * registers it before importing the source.
 */
export function startWorker(from: string, folder: string, name: string, opts: WorkerOptions): Worker {
  for (const rel of [`./${name}.js`, `./${folder}/${name}.js`]) {
    const url = new URL(rel, from);
    if (fs.existsSync(url)) return new Worker(url, opts);
  }
  const source = new URL(`./${name}.ts`, from);
  if (!fs.existsSync(source)) throw new InternalError(`the worker script ${folder}/${name} is missing; rebuild dv with \`npm run build\``);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(source.href)}); })`;
  return new Worker(boot, { ...opts, eval: true });
}
