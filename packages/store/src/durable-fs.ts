/**
 * The few file-system steps the store needs, each made durable and idempotent, because apply()
 * may be cut at any point and then run again for the same log index (DESIGN.md §3):
 *  - a file is written to tmp/, fsynced, then linked (or renamed) into place and the directory
 *    fsynced, so a reader never sees a partial file (the Maildir protocol);
 *  - linking over a name that a cut-short earlier run already made replaces it;
 *  - renaming a directory that was already renamed is a no-op; removing what is gone is a no-op.
 * Every error other than those expected cases propagates: the caller treats it as fatal.
 */
import { constants } from 'node:fs';
import { copyFile, link, mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** fsync a directory so the names created, renamed or removed in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try { await fh.sync(); } finally { await fh.close(); }
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
      return;
    } catch (err) {
      const code = errCode(err);
      if (code === 'EEXIST' && attempt === 0) { await unlink(to); continue; }
      if (code === 'ENOENT' && attempt === 0) { await mkdir(dirname(to), { recursive: true, mode: 0o750 }); continue; }
      if (code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EMLINK') {
        await copyFile(from, to);
        const fh = await open(to, 'r+');
        try { await fh.sync(); } finally { await fh.close(); }
        return;
      }
      throw err;
    }
  }
}

export async function unlinkIfExists(path: string): Promise<void> {
  try { await unlink(path); } catch (err) { if (errCode(err) !== 'ENOENT') throw err; }
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
}
