/**
 * The few file-system steps the store needs, each idempotent, because apply() may be cut at any
 * point and then run again for the same log index (DESIGN.md §3):
 *  - a file is written to tmp/, then renamed (or linked) into place, so a reader never sees a
 *    partial file (the Maildir protocol); whether its bytes and names are fsynced right away or
 *    at the next checkpoint is the caller's choice (docs/architecture.md, "Durability: the log,
 *    then checkpoints");
 *  - renaming or linking over a name that a cut-short earlier run already made replaces it;
 *  - renaming a directory that was already renamed is a no-op; removing what is gone is a no-op.
 * Every error other than those expected cases propagates: the caller treats it as fatal.
 * Each completed step is reported to the test-only fs observer (fs-observer.ts).
 *
 * The steps on the path of every message (writeFileUnsynced, renameReplacingSync,
 * linkReplacingSync, fsyncIfExists) do their quick system calls — writing a small buffer into the
 * page cache, closing, renaming, linking, opening an existing name — right on the event loop:
 * each costs microseconds, while a trip through libuv's thread pool costs a futex handoff each
 * way and a promise, several times that in CPU for every message. What may wait — creating a file
 * (it allocates an inode), fsync (it waits for the disk), and big writes — goes to the pool.
 */
import {
  closeSync, constants, fsync as fsyncCallback, linkSync, mkdirSync, open as openCallback, openSync, renameSync,
  unlinkSync, write as writeCallback, writeSync,
} from 'node:fs';
import { copyFile, link, mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { fsObserver } from './fs-observer.js';

const openFd = promisify(openCallback);
const fsyncFd = promisify(fsyncCallback);
const writeFd = promisify(writeCallback);

/** Bytes copied into the page cache on the event loop; bigger files are written from the thread pool. */
export const inlineWriteBytesMax = 256 * 1024;

export function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** fsync a directory so the names created, renamed or removed in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try { await fh.sync(); } finally { await fh.close(); }
  fsObserver()?.synced(dir);
}

/**
 * fsync a file or a directory by name; false when it is gone (removed since it was written: its
 * bytes no longer matter to anyone who could only reach them through this name).
 */
export async function fsyncIfExists(path: string): Promise<boolean> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch (err) {
    if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return false;
    throw err;
  }
  try { await fsyncFd(fd); } finally { closeSync(fd); }
  fsObserver()?.synced(path);
  return true;
}

/**
 * writeFileUnsynced() for a small file, entirely on the event loop: creating a file in a directory
 * the store writes all the time, copying a few kilobytes into the page cache and closing cost a
 * few microseconds each, while handing the open to libuv's pool wakes a pool thread, which on a
 * busy machine takes the CPU from the event loop for far longer. False, having done nothing, for
 * data over inlineWriteBytesMax (the caller then uses writeFileUnsynced). With `create` false the
 * file must exist already and be empty (ENOENT is thrown when it is missing).
 */
export function writeSmallFileUnsyncedSync(path: string, data: Uint8Array, create = true): boolean {
  if (data.length > inlineWriteBytesMax) return false;
  // An existing (spare, empty) file is only opened: no inode to allocate (spare-files.ts), and no
  // O_TRUNC, which on ext4 marks the file for writeback at close (auto_da_alloc, the heuristic for
  // "truncate and rewrite") and makes close() start I/O on the event loop.
  const flags = create ? constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC : constants.O_WRONLY;
  let fd: number;
  try {
    fd = openSync(path, flags, 0o640);
  } catch (err) {
    if (errCode(err) !== 'ENOENT' || !create) throw err;
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    fd = openSync(path, flags, 0o640);
  }
  try {
    for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
  } finally {
    closeSync(fd);
  }
  fsObserver()?.written(path);
  return true;
}

/** Writes the whole file, not synced (the caller makes it durable later or never needs to). */
export async function writeFileUnsynced(path: string, data: Uint8Array): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC;
  let fd: number;
  try {
    fd = await openFd(path, flags, 0o640);
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true, mode: 0o750 });
    fd = await openFd(path, flags, 0o640);
  }
  try {
    for (let at = 0; at < data.length;) {
      at += data.length <= inlineWriteBytesMax
        ? writeSync(fd, data, at, data.length - at)
        : (await writeFd(fd, data, at, data.length - at)).bytesWritten;
    }
  } finally {
    closeSync(fd);
  }
  fsObserver()?.written(path);
}

/** Renames a file over `to` (atomically replacing what a cut-short earlier run left there). */
export function renameReplacingSync(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err;
    // The target directory went missing (an operator removed it): as in writeFileSynced.
    mkdirSync(dirname(to), { recursive: true, mode: 0o750 });
    renameSync(from, to);
  }
  fsObserver()?.renamed(from, to);
}

/**
 * linkReplacing() on the event loop (see the file comment). Returns false, having done nothing,
 * where hard links are not possible: the caller then uses linkReplacing(), which copies.
 */
export function linkReplacingSync(from: string, to: string): boolean {
  for (let attempt = 0; ; attempt++) {
    try {
      linkSync(from, to);
      fsObserver()?.linked(from, to);
      return true;
    } catch (err) {
      const code = errCode(err);
      if (code === 'EEXIST' && attempt === 0) { unlinkSync(to); continue; }
      if (code === 'ENOENT' && attempt === 0) { mkdirSync(dirname(to), { recursive: true, mode: 0o750 }); continue; }
      if (code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EMLINK') return false;
      throw err;
    }
  }
}

/** Writes the whole file and fsyncs it (creating its directory if an operator removed it). */
export async function writeFileSynced(path: string, data: Uint8Array): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'w', 0o640);
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true, mode: 0o750 });
    fh = await open(path, 'w', 0o640);
  }
  try {
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await fh.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  const observer = fsObserver();
  observer?.written(path);
  observer?.synced(path);
}

/**
 * Gives `from`'s file the extra name `to`, replacing whatever `to` held (an earlier, cut-short
 * run of the same apply). Mail files never change once written, so sharing an inode between
 * mailboxes (deliveries to several recipients, COPY) is safe and costs no extra bytes.
 * Falls back to a synced copy where hard links are not possible.
 */
export async function linkReplacing(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await link(from, to);
      fsObserver()?.linked(from, to);
      return;
    } catch (err) {
      const code = errCode(err);
      if (code === 'EEXIST' && attempt === 0) { await unlink(to); continue; }
      if (code === 'ENOENT' && attempt === 0) { await mkdir(dirname(to), { recursive: true, mode: 0o750 }); continue; }
      if (code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EMLINK') {
        await copyFile(from, to);
        const fh = await open(to, 'r+');
        try { await fh.sync(); } finally { await fh.close(); }
        fsObserver()?.written(to);
        fsObserver()?.synced(to);
        return;
      }
      throw err;
    }
  }
}

export async function unlinkIfExists(path: string): Promise<void> {
  try { await unlink(path); } catch (err) { if (errCode(err) !== 'ENOENT') throw err; }
  fsObserver()?.unlinked(path);
}

async function exists(path: string): Promise<boolean> {
  try { await stat(path); return true; } catch (err) {
    if (errCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Renames a directory; a no-op when it was already renamed (source gone, target present).
 * Both present means state this store never makes: thrown, as corruption.
 */
export async function renameDirIdempotent(from: string, to: string): Promise<void> {
  const fromExists = await exists(from);
  const toExists = await exists(to);
  if (!fromExists && toExists) return;
  if (fromExists && toExists) throw new Error(`cannot rename ${from}: ${to} already exists`);
  if (!fromExists) { await mkdir(to, { recursive: true, mode: 0o750 }); return; }
  await rename(from, to);
  fsObserver()?.renamedDir(from, to);
}

/**
 * Creates directories (and missing parents), then fsyncs every ancestor from each directory's
 * parent up to and including `syncRoot`, so the new entries are durable. Always syncing (not only
 * when mkdir created something) covers a re-run after a crash that made the directories but died
 * before syncing them.
 */
export async function makeDirsSynced(dirs: readonly string[], syncRoot: string): Promise<void> {
  const toSync = new Set<string>();
  for (const dir of dirs) {
    await mkdir(dir, { recursive: true, mode: 0o750 });
    for (let d = dirname(dir); ; d = dirname(d)) {
      toSync.add(d);
      if (d === syncRoot || d === dirname(d) || !d.startsWith(syncRoot)) break;
    }
  }
  for (const d of toSync) await fsyncDir(d);
}

/** Removes a file or a directory tree; gone already is fine. */
export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
  fsObserver()?.removedTree(path);
}
