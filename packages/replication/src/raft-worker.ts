import { parentPort, workerData } from 'node:worker_threads';
import type { EngineOptions, EngineToHost, HostToEngine } from './engine-protocol.js';
import { RaftEngine } from './raft-engine.js';

/**
 * Entry point of the worker thread that runs a member's RaftEngine (see raft-node.ts). Messages
 * from the host that arrive while the engine is still opening its files are buffered, not lost.
 */
const port = parentPort;
if (port === null) throw new Error('raft-worker.ts must run in a worker thread');

let handler: ((m: HostToEngine) => void) | undefined;
const early: HostToEngine[] = [];
port.on('message', (m: HostToEngine) => {
  if (handler === undefined) early.push(m);
  else handler(m);
});

RaftEngine.start(workerData as EngineOptions, {
  post: (m: EngineToHost, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer),
  onMessage: (h) => {
    handler = h;
    for (const m of early.splice(0)) h(m);
  },
}).catch((e: unknown) => {
  port.postMessage({ t: 'failed', message: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies EngineToHost);
});
