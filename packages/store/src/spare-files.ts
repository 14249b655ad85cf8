/**
 * Empty files made ahead, for staging message bytes (message-staging.ts) without creating an inode
 * on the event loop. Creating a file allocates an inode, and on a crowded ext4 block group that
 * costs from tens of microseconds to over a millisecond of kernel time (measured on this project's
 * VMs: 20 µs to 1 ms per create, by directory and by moment); opening an existing empty file,
 * writing a few kilobytes and closing it costs about 12 µs. So a worker thread creates the files
 * in batches, with plain synchronous calls, and the event loop only takes names off the list.
 *
 * This is purely a cache, like staging itself: when no spare is ready, the caller creates its
 * file directly. Spares live in the staging directory, which is emptied at open, so a crash just
 * drops them. The worker's failures are not errors: the list simply stops being refilled.
 */
import { Worker } from 'node:worker_threads';
import { limits } from '@tandem/config';

/** The worker: creates `count` empty files named `<dir>/spare-<n>`, then posts the names it made. */
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { closeSync, constants, openSync } = require('node:fs');
const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
parentPort.on('message', ({ dir, first, count }) => {
  const made = [];
  try {
    for (let n = first; n < first + count; n++) {
      const path = dir + '/spare-' + n;
      closeSync(openSync(path, flags, 0o640));
      made.push(path);
    }
    parentPort.postMessage({ made });
  } catch (err) {
    parentPort.postMessage({ made, error: String(err && err.message || err) });
  }
});
`;

interface Reply { made: string[]; error?: string }

export class SpareFiles {
  private readonly ready: string[] = [];
  private worker: Worker | undefined;
  private requested = false;
  private failed = false;
  private next = 0;

  constructor(private readonly dir: string) {}

  /** How many spares are ready (tests and stats). */
  get size(): number { return this.ready.length; }

  /** A ready empty file (the caller owns it now), or undefined; asks for more when running low. */
  take(): string | undefined {
    const path = this.ready.pop();
    if (this.ready.length < limits.spareFilesLow) this.refill();
    return path;
  }

  /** Resolves once a batch is ready (or the worker failed): for tests and for warming up at open. */
  async whenReady(): Promise<void> {
    this.refill();
    while (this.requested) await new Promise((resolve) => setImmediate(resolve));
  }

  private refill(): void {
    if (this.requested || this.failed) return;
    this.requested = true;
    const worker = this.worker ?? this.startWorker();
    const count = limits.spareFilesBatch;
    worker.postMessage({ dir: this.dir, first: this.next, count });
    this.next += count;
  }

  private startWorker(): Worker {
    // No --import tsx and no inherited flags: the worker is plain CommonJS and starts in milliseconds.
    const worker = new Worker(workerSource, { eval: true, execArgv: [] });
    worker.unref(); // never what keeps a process alive
    worker.on('message', (reply: Reply) => {
      this.requested = false;
      this.ready.push(...reply.made);
      if (reply.error !== undefined) this.stopRefilling();
    });
    worker.on('error', () => { this.requested = false; this.stopRefilling(); });
    this.worker = worker;
    return worker;
  }

  private stopRefilling(): void {
    this.failed = true;
    void this.worker?.terminate();
    this.worker = undefined;
  }

  /** Stops the worker; the spares left in the directory are removed with it at the next open. */
  async close(): Promise<void> {
    this.failed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.requested = false;
    if (worker) await worker.terminate();
  }
}
