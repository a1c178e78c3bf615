/**
 * Starts a worker thread on a module next to the caller: the .js file in the build; when running
 * from source (tests, benches under tsx) the .ts file, and since on Node 20 loader hooks
 * registered in the main thread do not reach workers, the worker then registers tsx itself
 * before importing the module.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export function startModuleWorker(jsUrl: URL, workerData: unknown): Worker {
  if (existsSync(fileURLToPath(jsUrl))) return new Worker(jsUrl, { workerData });
  const ts = jsUrl.href.replace(/\.js$/, '.ts');
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
