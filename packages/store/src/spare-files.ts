/**
 * Empty files made ahead, for staging message bytes (message-staging.ts) without creating an inode
 * on the event loop. Creating a file allocates an inode, and on a crowded ext4 block group that
 * costs from tens of microseconds to over a millisecond of kernel time (measured on this project's
 * VMs: 20 µs to 1 ms per create, by directory and by moment); opening an existing empty file,
 * writing a few kilobytes and closing it costs about 12 µs. So a worker thread creates the files
 * in batches, with plain synchronous calls, and the event loop only takes names off the list.
 *
 * Each batch gets a directory of its own (`spares-<n>/`), which the worker never touches again
 * once the batch is handed over: renaming a file out of a directory locks that directory, and a
 * create in progress in the same directory (up to a millisecond, see above) would hold the rename
 * on the event loop for as long. A fresh directory also lands in a block group with free inodes,
 * which is where creates are cheap. Batch directories are removed once everything in them has
 * been renamed away (the worker tries, with each later request).
 *
 * This is purely a cache, like staging itself: when no spare is ready, the caller creates its
 * file directly. Spares live in the staging directory, which is emptied at open, so a crash just
 * drops them. The worker's failures are not errors: the list simply stops being refilled.
 */
import { Worker } from 'node:worker_threads';
import { limits } from '@tandem/config';

/**
 * The worker: removes the drained batch directories it can (ENOTEMPTY: a file is still staged
 * there; tried again next time), then makes `batchDir` with `count` empty files, and posts both.
 */
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { closeSync, constants, mkdirSync, openSync, rmdirSync } = require('node:fs');
const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
parentPort.on('message', ({ batchDir, count, drained }) => {
  const removed = [];
  for (const dir of drained) {
    try { rmdirSync(dir); removed.push(dir); } catch (err) { if (err.code === 'ENOENT') removed.push(dir); }
  }
  const made = [];
  try {
    mkdirSync(batchDir, { mode: 0o750 });
    for (let n = 0; n < count; n++) {
      const path = batchDir + '/' + n;
      closeSync(openSync(path, flags, 0o640));
      made.push(path);
    }
    parentPort.postMessage({ made, removed });
  } catch (err) {
    parentPort.postMessage({ made, removed, error: String(err && err.message || err) });
  }
});
`;

interface Reply { made: string[]; removed: string[]; error?: string }

export class SpareFiles {
  /** Ready files, oldest batch first; `head` is the next to hand out. */
  private ready: string[] = [];
  private head = 0;
  /** Files of each batch directory not handed out yet; at 0 the directory is drained. */
  private readonly untaken = new Map<string, number>();
  /** Drained batch directories, for the worker to remove once their files are renamed away. */
  private drained: string[] = [];
  private worker: Worker | undefined;
  private requested = false;
  private failed = false;
  private nextBatch = 0;

  constructor(private readonly dir: string) {}

  /** How many spares are ready (tests and stats). */
  get size(): number { return this.ready.length - this.head; }

  /** A ready empty file (the caller owns it now), or undefined; asks for more when running low. */
  take(): string | undefined {
    const path = this.head < this.ready.length ? this.ready[this.head++] : undefined;
    if (path !== undefined) {
      const batchDir = path.slice(0, path.lastIndexOf('/'));
      const left = (this.untaken.get(batchDir) ?? 1) - 1;
      if (left > 0) this.untaken.set(batchDir, left);
      else { this.untaken.delete(batchDir); this.drained.push(batchDir); }
    }
    if (this.size < limits.spareFilesLow) this.refill();
    return path;
  }

  /** Resolves once no batch is on its way and enough are ready (or the worker failed): for tests and warming up. */
  async whenReady(): Promise<void> {
    if (this.size < limits.spareFilesLow) this.refill();
    while (this.requested) await new Promise((resolve) => setImmediate(resolve));
  }

  private refill(): void {
    if (this.requested || this.failed) return;
    this.requested = true;
    const worker = this.worker ?? this.startWorker();
    const batchDir = `${this.dir}/spares-${this.nextBatch++}`;
    worker.postMessage({ batchDir, count: limits.spareFilesBatch, drained: this.drained });
  }

  private startWorker(): Worker {
    // No --import tsx and no inherited flags: the worker is plain CommonJS and starts in milliseconds.
    const worker = new Worker(workerSource, { eval: true, execArgv: [] });
    worker.unref(); // never what keeps a process alive
    worker.on('message', (reply: Reply) => this.received(reply));
    worker.on('error', () => { this.requested = false; this.stopRefilling(); });
    this.worker = worker;
    return worker;
  }

  private received(reply: Reply): void {
    this.requested = false;
    const removed = new Set(reply.removed);
    this.drained = this.drained.filter((dir) => !removed.has(dir));
    if (this.head > 0) { this.ready = this.ready.slice(this.head); this.head = 0; }
    if (reply.made.length > 0) {
      const first = reply.made[0]!;
      this.untaken.set(first.slice(0, first.lastIndexOf('/')), reply.made.length);
      this.ready.push(...reply.made);
    }
    if (reply.error !== undefined) this.stopRefilling();
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
