/**
 * Starts a worker thread on one of this project's modules. The sources run through tsx with no
 * build step (docs/architecture.md, "Running TypeScript"), and a worker does not inherit its
 * parent's loader: when the caller is a .ts module, the thread registers tsx before it imports its
 * entry; from built .js files it imports the entry directly. (Here because every package that
 * starts such a thread — replication's Raft engine, smtp's sessions — already depends on config.)
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** A worker running `<entryName>.ts` (or `.js`) beside the module at `callerUrl` (its import.meta.url). */
export function startModuleWorker(callerUrl: string, entryName: string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const ts = callerUrl.endsWith('.ts');
  const entry = new URL(`./${entryName}${ts ? '.ts' : '.js'}`, callerUrl).href;
  const source = ts
    ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`
    : `import(${JSON.stringify(entry)});`;
  return new Worker(source, { ...options, eval: true });
}
