/**
 * Empty files made ahead, for staging message bytes (message-staging.ts) without creating an inode
 * on the event loop. Creating a file allocates an inode, and on a crowded ext4 block group that
 * costs from tens of microseconds to over a millisecond of kernel time (measured on this project's
 * VMs: 20 µs to 1 ms per create, by directory and by moment); opening an existing empty file,
 * writing a few kilobytes and closing it costs about 12 µs. So a worker thread creates the files
 * in batches, with plain synchronous calls, and the event loop only takes names off the list.
 *
 * Where the files go matters more than how: a file's inode is allocated in its directory's block
 * group, and how much that costs depends on the group (see spread-subdirectories.ts: without a
 * journal, ext4 scans past every inode freed there in the last minutes). So the worker times its
 * creates. It keeps making files in one directory (`spares-<n>/`) while they are cheap, and opens a
 * new directory, which the +T staging directory places in another block group, as soon as a window
 * of creates there averages over limits.spareCreateSlowUs (or one create takes ten times that), up
 * to limits.spareDirectoryProbesMax new directories per request. A directory also closes after
 * limits.spareDirectoryFilesMax files, so none grows large. A create in a directory locks it, as
 * the event loop's rename of a staged file out of it does; keeping only cheap directories keeps
 * that wait to a cheap create's length.
 *
 * Directories are removed once everything made in them has been handed out and renamed away (the
 * worker tries, with each later request, and never the one it is filling).
 *
 * This is purely a cache, like staging itself: when no spare is ready, the caller creates its
 * file directly. Spares live in the staging directory, which is emptied at open, so a crash just
 * drops them. The worker's failures are not errors: the list simply stops being refilled.
 */
import { Worker } from 'node:worker_threads';
import { limits } from '@tandem/config';

/**
 * The worker: removes the drained directories it can (ENOTEMPTY: a file is still staged there;
 * tried again next time), then makes `count` empty files, choosing directories as described above,
 * and posts the paths, the directories removed and the ones it opened.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { closeSync, constants, mkdirSync, openSync, rmdirSync } = require('node:fs');
const { dir, slowUs, spikeUs, probesMax, dirFilesMax, window } = workerData;
const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
let current;          // the directory being filled: { path, files }
let nextDir = 0;
function openDirectory() {
  const path = dir + '/spares-' + nextDir++;
  mkdirSync(path, { mode: 0o750 });
  current = { path, files: 0 };
}
parentPort.on('message', ({ count, drained }) => {
  const removed = [];
  for (const d of drained) {
    if (current && d === current.path) continue;
    try { rmdirSync(d); removed.push(d); } catch (err) { if (err.code === 'ENOENT') removed.push(d); }
  }
  const made = [];
  const opened = [];
  try {
    let probes = 0;
    let windowNs = 0n;
    let inWindow = 0;
    while (made.length < count) {
      if (!current || current.files >= dirFilesMax) { openDirectory(); opened.push(current.path); windowNs = 0n; inWindow = 0; }
      const path = current.path + '/' + current.files++;
      const t0 = process.hrtime.bigint();
      closeSync(openSync(path, flags, 0o640));
      const ns = process.hrtime.bigint() - t0;
      made.push(path);
      windowNs += ns;
      inWindow++;
      const slow = ns > BigInt(spikeUs * 1000) || (inWindow === window && windowNs > BigInt(slowUs * 1000 * window));
      if (inWindow === window) { windowNs = 0n; inWindow = 0; }
      if (slow && probes < probesMax) { probes++; current = undefined; }
    }
    parentPort.postMessage({ made, removed, opened });
  } catch (err) {
    parentPort.postMessage({ made, removed, opened, error: String(err && err.message || err) });
  }
});
`;

interface Reply { made: string[]; removed: string[]; opened: string[]; error?: string }

/** How the worker picks directories (defaults from limits; tests force probing with slowUs 0). */
export interface SpareFilesTuning {
  /** A window of creates averaging more than this (µs each) moves on to a new directory. */
  slowUs: number;
  /** New directories tried per request when creates are slow; then the last one is kept. */
  probesMax: number;
  /** Files made in one directory before the next. */
  directoryFilesMax: number;
  /** One create taking more than this (µs) moves on at once. */
  spikeUs: number;
  /** Creates per timing window. */
  window: number;
}

export class SpareFiles {
  /** Ready files, oldest first; `head` is the next to hand out. */
  private ready: string[] = [];
  private head = 0;
  /** Files made in each directory and not handed out yet; at 0 the directory is drained. */
  private readonly untaken = new Map<string, number>();
  /** Drained directories, for the worker to remove once their files are renamed away. */
  private readonly drained = new Set<string>();
  private worker: Worker | undefined;
  private requested = false;
  private failed = false;
  private opened = 0;
  private readonly tuning: SpareFilesTuning;

  constructor(private readonly dir: string, tuning: Partial<SpareFilesTuning> = {}) {
    this.tuning = {
      slowUs: limits.spareCreateSlowUs, probesMax: limits.spareDirectoryProbesMax,
      directoryFilesMax: limits.spareDirectoryFilesMax, window: 8, spikeUs: 10 * (tuning.slowUs ?? limits.spareCreateSlowUs), ...tuning,
    };
  }

  /** How many spares are ready (tests and stats). */
  get size(): number { return this.ready.length - this.head; }

  /** Directories the worker has opened so far (tests and stats). */
  get directoriesOpened(): number { return this.opened; }

  /** A ready empty file (the caller owns it now), or undefined; asks for more when running low. */
  take(): string | undefined {
    const path = this.head < this.ready.length ? this.ready[this.head++] : undefined;
    if (path !== undefined) {
      const dir = path.slice(0, path.lastIndexOf('/'));
      const left = (this.untaken.get(dir) ?? 1) - 1;
      if (left > 0) this.untaken.set(dir, left);
      else { this.untaken.delete(dir); this.drained.add(dir); }
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
    worker.postMessage({ count: limits.spareFilesBatch, drained: [...this.drained] });
  }

  private startWorker(): Worker {
    const t = this.tuning;
    // No --import tsx and no inherited flags: the worker is plain CommonJS and starts in milliseconds.
    const worker = new Worker(workerSource, {
      eval: true, execArgv: [],
      workerData: { dir: this.dir, slowUs: t.slowUs, spikeUs: t.spikeUs, probesMax: t.probesMax, dirFilesMax: t.directoryFilesMax, window: t.window },
    });
    worker.unref(); // never what keeps a process alive
    worker.on('message', (reply: Reply) => this.received(reply));
    worker.on('error', () => { this.requested = false; this.stopRefilling(); });
    this.worker = worker;
    return worker;
  }

  private received(reply: Reply): void {
    this.requested = false;
    for (const dir of reply.removed) this.drained.delete(dir);
    this.opened += reply.opened.length;
    if (this.head > 0) { this.ready = this.ready.slice(this.head); this.head = 0; }
    for (const path of reply.made) {
      const dir = path.slice(0, path.lastIndexOf('/'));
      this.untaken.set(dir, (this.untaken.get(dir) ?? 0) + 1);
      // Being filled again: not drained after all (the worker never removes the one it fills).
      this.drained.delete(dir);
    }
    this.ready.push(...reply.made);
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
