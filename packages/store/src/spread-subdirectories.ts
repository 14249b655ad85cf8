/**
 * Asks ext4 to place each new subdirectory of `dir` in a block group of its own choosing, away
 * from its parent (the Orlov allocator's treatment of top-level directories; `chattr +T`, the
 * FS_TOPDIR_FL inode flag). The staging area's spare-file batches (spare-files.ts) live in such
 * subdirectories, and files are created in their directory's block group.
 *
 * Why: without a journal, ext4 skips inodes freed in the last minute or so when it allocates one
 * (find_inode_bit's "recently deleted" check), scanning past each of them; in a block group where
 * many files were just removed — a busy /tmp, a test run, the previous run's data — every create
 * pays for that scan. Measured on this project's VMs: 435–570 µs of kernel CPU per create in such
 * a directory, 18–20 µs in a subdirectory of a +T directory, in the same moment.
 *
 * Best effort: `chattr` (e2fsprogs) may be missing, or the file system may not know the flag
 * (xfs, tmpfs); then nothing changes, and creating files only costs what it costs there.
 */
import { execFile } from 'node:child_process';

/** Marks `dir` as a top of a directory hierarchy; resolves false (having changed nothing) where that is not possible. */
export function spreadSubdirectories(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('chattr', ['+T', dir], { timeout: 5_000, windowsHide: true }, (err) => resolve(!err));
  });
}
