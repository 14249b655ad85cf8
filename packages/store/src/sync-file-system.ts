/**
 * syncfs(2) for a checkpoint: one call that writes back and flushes everything dirty on the file
 * system holding the Maildirs, instead of an open, an fsync and a close for every file a
 * checkpoint covers (thousands a second under load, each a trip through libuv's pool and, on most
 * disks, a cache flush of its own that queues before the command log's writes).
 *
 * Node has no binding for syncfs, so coreutils' `sync --file-system PATH` does it (coreutils is
 * Essential on Debian: always there): it opens PATH, calls syncfs and exits non-zero if that
 * fails. Since Linux 5.8 syncfs reports writeback errors of the file system that nobody has seen
 * yet (the superblock's error sequence), as fsync does for one file; on older kernels it could
 * not, so it is used only on 5.8 or newer (the caller fsyncs each path otherwise). A failure is
 * fatal to the store, exactly like a failed fsync.
 *
 * `sync` runs from one long-lived shell, started at the first checkpoint, which reads a path per
 * line and answers "ok" or "fail <message>": starting a process from Node forks the whole daemon,
 * milliseconds of the event loop at every checkpoint, while the shell's fork is cheap and off it.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { release } from 'node:os';

/** syncfs(2) reports writeback errors from this Linux version on ("vfs: track per-sb writeback errors and report them to syncfs"). */
const syncfsReportsErrorsSince = [5, 8] as const;

/** The helper: one request per line (a path), one answer per line, in order. */
const helperScript = `while IFS= read -r p; do
  if err=$(sync --file-system -- "$p" 2>&1); then echo ok; else echo "fail $(printf '%s' "$err" | tr '\\n' ' ')"; fi
done`;

export class FileSystemSyncError extends Error {
  constructor(readonly path: string, detail: string) {
    super(`syncfs of the file system holding ${path} failed: ${detail}`);
    this.name = 'FileSystemSyncError';
  }
}

/** Whether syncfs may stand in for fsyncing each path here (Linux ≥ 5.8; TANDEM_SYNC_PER_PATH=1 turns it off). */
export function syncFileSystemSupported(): boolean {
  if (process.platform !== 'linux' || process.env['TANDEM_SYNC_PER_PATH'] === '1') return false;
  const [major = 0, minor = 0] = release().split('.').map((n) => Number.parseInt(n, 10));
  const [wantMajor, wantMinor] = syncfsReportsErrorsSince;
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

interface Request { path: string; resolve: () => void; reject: (err: Error) => void }

/** The long-lived helper shell; requests are answered in order. */
class SyncHelper {
  private readonly waiting: Request[] = [];
  private buffered = '';
  private gone: string | undefined;

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => this.read(text));
    child.on('error', (err) => this.fail(err.message));
    child.on('exit', (code, signal) => this.fail(`the sync helper exited (${signal ?? code})`));
    child.stdin.on('error', (err) => this.fail(err.message));
    this.idle();
  }

  static start(): SyncHelper {
    return new SyncHelper(spawn('sh', ['-c', helperScript], { stdio: ['pipe', 'pipe', 'ignore'], windowsHide: true }));
  }

  get alive(): boolean { return this.gone === undefined; }

  sync(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.gone !== undefined) { reject(new FileSystemSyncError(path, this.gone)); return; }
      this.waiting.push({ path, resolve, reject });
      this.busy();
      this.child.stdin.write(`${path}\n`);
    });
  }

  private read(text: string): void {
    this.buffered += text;
    for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const request = this.waiting.shift();
      if (!request) continue;
      if (line === 'ok') request.resolve();
      else request.reject(new FileSystemSyncError(request.path, line.replace(/^fail /, '').trim() || 'sync failed'));
    }
    if (this.waiting.length === 0) this.idle();
  }

  private fail(reason: string): void {
    this.gone ??= reason;
    for (const request of this.waiting.splice(0)) request.reject(new FileSystemSyncError(request.path, reason));
    this.idle();
  }

  // The helper keeps the process alive only while a sync is waiting for it.
  // (Its pipes are sockets, which can be unreferenced; the stream types do not say so.)
  private busy(): void { this.child.ref(); (this.child.stdout as unknown as Socket).ref(); }
  private idle(): void {
    this.child.unref();
    (this.child.stdout as unknown as Socket).unref();
    (this.child.stdin as unknown as Socket).unref();
  }
}

let helper: SyncHelper | undefined;

/** Makes everything written on the file system holding `path` durable (data and names). */
export function syncFileSystem(path: string): Promise<void> {
  if (path.includes('\n')) return Promise.reject(new FileSystemSyncError(path, 'a path with a line break cannot be passed to the sync helper'));
  if (!helper?.alive) helper = SyncHelper.start();
  return helper.sync(path);
}
