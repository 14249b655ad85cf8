/**
 * Backups (`tandem backup`): the store's snapshot archive (snapshot-archive.ts), which is
 * self-checking and which restoreSnapshot() takes as it is, streamed to whoever asked without ever
 * being written out: a scratch snapshot in the data dir holds hard links to the message files and
 * the index rows (create-snapshot.ts), and the archive bytes are read from it in order. So a backup
 * of any size needs no free space beyond the index dump, and goes wherever the reader sends it (the
 * admin's file, a pipe to another host). The store is checkpointed first and keeps serving while the
 * archive streams; the scratch snapshot is removed when the stream ends, fails or is dropped.
 */
import { createReadStream } from 'node:fs';
import type { MailStore } from './mail-store.js';
import { removeTree } from './durable-fs.js';
import { readArchive } from './snapshot-archive.js';
import type { SnapshotManifest } from './snapshot-manifest.js';
import { openSnapshotReader } from './snapshot-reader.js';

export interface BackupStream {
  readonly manifest: SnapshotManifest;
  /** The archive, in order; the scratch snapshot goes when it ends, fails or is left (break). */
  readonly bytes: AsyncGenerator<Buffer>;
  /** Removes the scratch snapshot now (also for a stream never read); idempotent. */
  close(): Promise<void>;
}

export async function openBackupStream(store: MailStore): Promise<BackupStream> {
  const scratch = store.scratchDir();
  let reader;
  try {
    await store.createSnapshot(scratch);
    reader = await openSnapshotReader(scratch);
  } catch (err) {
    await removeTree(scratch);
    throw err;
  }
  const opened = reader;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= opened.close().finally(() => removeTree(scratch)));
  return {
    manifest: opened.manifest,
    close,
    bytes: (async function* () {
      try {
        yield* opened.stream();
      } finally {
        await close();
      }
    })(),
  };
}

/**
 * Reads a whole archive file and checks everything its format promises (every entry's sha256, the
 * entry count, the whole-archive sha256, nothing after the end); throws SnapshotCorruptError
 * otherwise. Returns the applied index of the state it holds.
 */
export function verifySnapshotFile(path: string): Promise<number> {
  return readArchive(createReadStream(path, { highWaterMark: 1024 * 1024 }), path, { entry: async () => undefined });
}
