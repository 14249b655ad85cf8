/**
 * syncfs(2) for a checkpoint: one call that writes back and flushes everything dirty on the file
 * system holding the Maildirs, instead of an open, an fsync and a close for every file a
 * checkpoint covers (thousands a second under load, each a trip through libuv's pool and, on most
 * disks, a cache flush of its own that queues before the command log's writes).
 *
 * Node has no binding for syncfs, so this runs coreutils' `sync --file-system PATH` (Debian's
 * coreutils is Essential: it is always there), which opens PATH and calls syncfs on it and exits
 * non-zero if that fails. Since Linux 5.8 syncfs reports writeback errors of the file system that
 * nobody has seen yet (the superblock's errseq), as fsync does for one file; on older kernels it
 * could not, so this is used only where the kernel is 5.8 or newer (fsync per path otherwise).
 * A failure is fatal to the store, exactly like a failed fsync.
 */
import { execFile } from 'node:child_process';
import { release } from 'node:os';

/** syncfs(2) reports writeback errors from this Linux version on ("vfs: track per-sb writeback errors and report them to syncfs"). */
const syncfsReportsErrorsSince = [5, 8] as const;

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

/** Makes everything written on the file system holding `path` durable (data and names). */
export function syncFileSystem(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sync', ['--file-system', path], { timeout: 0, windowsHide: true }, (err, _stdout, stderr) => {
      if (err) reject(new FileSystemSyncError(path, stderr.trim() || err.message));
      else resolve();
    });
  });
}
