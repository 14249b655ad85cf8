/**
 * Replaces a closed store's data (`<data>/index` and `<data>/mail`; nothing else in the data
 * directory is touched) with a snapshot, so that either the old state or the complete, checked
 * snapshot is there after a crash at any point — never a mix, never a half-written file:
 *
 *  1. everything is built under `<data>/.restore-tmp`: the mail tree from the archive, then a
 *     fresh LevelDB from its index rows (the meta row last, synced). Every entry checksum, the
 *     whole-archive checksum, the manifest's chunk checksums (for a snapshot directory), the row
 *     count and the applied index are checked; any mismatch throws and the live data is untouched.
 *  2. every file and directory is fsynced; `.restore-tmp` is renamed to `.restore-ready`. From
 *     here on the restore is decided and will be finished.
 *  3. roll forward, per part (index, then mail): the live part moves to `.restore-old/<part>`,
 *     the ready part takes its place, the data directory is fsynced.
 *  4. `.restore-ready` and `.restore-old` are removed.
 *
 * recoverInterruptedRestore() — run by MailStore.open() before it touches the index, and by every
 * restore — finishes steps 3–4 when `.restore-ready` exists, and otherwise drops a `.restore-tmp`.
 */
import { createReadStream } from 'node:fs';
import { link, mkdir, open, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Level } from 'level';
import { fsyncDir, removeTree } from './durable-fs.js';
import { forEachBounded } from './for-each-bounded.js';
import { checkpointKey, parseKey } from './index-rows.js';
import type { CheckpointRow, MailboxRow, MetaRow } from './index-rows.js';
import { uidValidityFor } from './apply-mailbox.js';
import type { ArchiveSink, SnapshotHeader } from './snapshot-archive.js';
import { readArchive } from './snapshot-archive.js';
import { readManifest, verifyChunks } from './snapshot-manifest.js';
import { archiveFileName, openSnapshotReader } from './snapshot-reader.js';
import { SnapshotCorruptError, SnapshotIndexMismatchError, StoreInUseError } from './store-errors.js';

export interface RestoreSnapshotOptions {
  /** The applied index the snapshot must be at exactly; else SnapshotIndexMismatchError. */
  appliedIndex?: number;
  /**
   * The applied index the snapshot must not be past; else SnapshotIndexMismatchError. A Raft
   * snapshot's index may lie above the store's applied index when its last entries were not store
   * commands (no-ops, membership changes), so a Raft driver passes its snapshot index here.
   */
  appliedIndexMax?: number;
  /**
   * Restores the state as if it had been reached at this later log index (`tandem backup restore`):
   * the applied index and the checkpoint become `rebaseTo`, and every mailbox gets it as its
   * UIDVALIDITY (the value a mailbox created at that index would get). A restore goes back in
   * time: messages delivered after the backup were seen by IMAP clients under UIDs the restored
   * mailboxes will hand out again, and RFC 9051 §2.3.1.1 forbids reusing a UID under the same
   * UIDVALIDITY; and the log, continuing from `rebaseTo`, must not reuse an index of the history
   * that was lost either (UIDVALIDITY, mailbox ids and file names derive from log indexes).
   * Must be above the snapshot's applied index.
   */
  rebaseTo?: number;
  /**
   * Runs once the restore is decided, before the live data is touched (`tandem backup restore`
   * moves the old command log aside here). Tests: throwing = a crash there.
   */
  beforeSwap?: () => void | Promise<void>;
  /** Test hook: runs after each part is in place. Throwing = a crash between the parts. */
  afterPartSwapped?: (part: 'index' | 'mail') => void | Promise<void>;
}

export interface RestoreSummary {
  /** The restored store's applied index: the snapshot's, or `rebaseTo`. */
  appliedIndex: number;
  /** The snapshot's own applied index (the state restored). */
  snapshotIndex: number;
  indexRows: number; dirs: number; files: number; links: number;
}

const parts = ['index', 'mail'] as const;
const tmpName = '.restore-tmp';
const readyName = '.restore-ready';
const oldName = '.restore-old';

/** `source`: an archive file, or a snapshot directory (createSnapshot's or a finished receiver's). */
export async function restoreSnapshot(dataDir: string, source: string, opts: RestoreSnapshotOptions = {}): Promise<RestoreSummary> {
  await mkdir(dataDir, { recursive: true, mode: 0o750 });
  await assertNotInUse(dataDir);
  await recoverInterruptedRestore(dataDir);
  const tmp = join(dataDir, tmpName);
  await mkdir(join(tmp, 'mail'), { recursive: true, mode: 0o750 });
  let summary: RestoreSummary;
  try {
    const sink = new RestoreSink(tmp, source, opts);
    const appliedIndex = await readArchive(await openSource(source), source, sink);
    summary = await sink.finish(appliedIndex);
  } catch (err) {
    await removeTree(tmp);
    throw err;
  }
  await rename(tmp, join(dataDir, readyName));
  await fsyncDir(dataDir);
  await opts.beforeSwap?.();
  await rollForward(dataDir, opts.afterPartSwapped);
  return summary;
}

/** Finishes or drops a restore that a crash interrupted (see the file comment). */
export async function recoverInterruptedRestore(dataDir: string): Promise<void> {
  if (await exists(join(dataDir, readyName))) await rollForward(dataDir);
  for (const name of [tmpName, oldName]) {
    if (!(await exists(join(dataDir, name)))) continue;
    await removeTree(join(dataDir, name));
    await fsyncDir(dataDir);
  }
}

async function rollForward(dataDir: string, afterPart?: RestoreSnapshotOptions['afterPartSwapped']): Promise<void> {
  const ready = join(dataDir, readyName);
  const old = join(dataDir, oldName);
  for (const part of parts) {
    if (!(await exists(join(ready, part)))) continue; // already in place
    const live = join(dataDir, part);
    if (await exists(live)) {
      await mkdir(old, { recursive: true, mode: 0o750 });
      await removeTree(join(old, part));
      await rename(live, join(old, part));
    }
    await rename(join(ready, part), live);
    await fsyncDir(dataDir);
    await afterPart?.(part);
  }
  await removeTree(ready);
  await removeTree(old);
  await fsyncDir(dataDir);
}

async function openSource(source: string): Promise<AsyncIterable<Uint8Array>> {
  if (!(await stat(source)).isDirectory()) return createReadStream(source, { highWaterMark: 1024 * 1024 });
  const manifest = await readManifest(source);
  const archive = join(source, archiveFileName);
  if (await exists(archive)) return verifyChunks(createReadStream(archive, { highWaterMark: 1024 * 1024 }), manifest, source);
  const reader = await openSnapshotReader(source);
  return verifyChunks((async function* () { try { yield* reader.stream(); } finally { await reader.close(); } })(), manifest, source);
}

/** LevelDB refuses a second open of an index that is in use (LEVEL_LOCKED): that is the check. */
async function assertNotInUse(dataDir: string): Promise<void> {
  if (!(await exists(join(dataDir, 'index')))) return; // (opening would create the directory)
  const db = new Level(join(dataDir, 'index'), { createIfMissing: false });
  try {
    await db.open();
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED') throw new StoreInUseError(dataDir);
    return; // no index there (yet): nothing to protect
  }
  await db.close();
}

async function exists(path: string): Promise<boolean> {
  try { await stat(path); return true; } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Writes the archive's entries under `<tmp>` as they stream in; finish() makes them durable and builds the index. */
class RestoreSink implements ArchiveSink {
  private readonly mailDir: string;
  private readonly indexFile: string;
  private readonly files: string[] = [];
  private readonly dirs = new Set<string>();
  private readonly filePaths = new Set<string>();
  private indexRows: number | undefined;
  private links = 0;

  constructor(private readonly tmp: string, private readonly source: string, private readonly expect: Pick<RestoreSnapshotOptions, 'appliedIndex' | 'appliedIndexMax' | 'rebaseTo'>) {
    this.mailDir = join(tmp, 'mail');
    this.indexFile = join(tmp, 'index.jsonl');
  }

  async entry(h: SnapshotHeader, data: AsyncIterable<Buffer> | undefined): Promise<void> {
    switch (h.type) {
      case 'snapshot': {
        const { appliedIndex, appliedIndexMax } = this.expect;
        if (appliedIndex !== undefined && h.appliedIndex !== appliedIndex) throw new SnapshotIndexMismatchError(appliedIndex, h.appliedIndex);
        if (appliedIndexMax !== undefined && h.appliedIndex > appliedIndexMax) throw new SnapshotIndexMismatchError(appliedIndexMax, h.appliedIndex, true);
        const { rebaseTo } = this.expect;
        if (rebaseTo !== undefined && !(Number.isSafeInteger(rebaseTo) && rebaseTo > h.appliedIndex)) {
          throw new RangeError(`rebaseTo ${rebaseTo} must be a log index above the snapshot's ${h.appliedIndex}`);
        }
        return;
      }
      case 'index':
        if (this.indexRows !== undefined) throw new SnapshotCorruptError(this.source, 'two index entries');
        this.indexRows = h.rows;
        await this.writeFile(this.indexFile, data);
        return;
      case 'dir': {
        const dir = join(this.mailDir, h.path);
        await mkdir(dir, { recursive: true, mode: 0o750 });
        this.dirs.add(dir);
        return;
      }
      case 'file': {
        const path = join(this.mailDir, h.path);
        await mkdir(dirname(path), { recursive: true, mode: 0o750 });
        this.dirs.add(dirname(path));
        await this.writeFile(path, data);
        this.files.push(path);
        this.filePaths.add(h.path);
        return;
      }
      case 'link':
        if (!this.filePaths.has(h.target)) throw new SnapshotCorruptError(this.source, `link ${h.path} to ${h.target}, which is not an earlier file`);
        await mkdir(dirname(join(this.mailDir, h.path)), { recursive: true, mode: 0o750 });
        this.dirs.add(dirname(join(this.mailDir, h.path)));
        await linkNew(join(this.mailDir, h.target), join(this.mailDir, h.path), this.source);
        this.links++;
        return;
      case 'end':
        return;
    }
  }

  private async writeFile(path: string, data: AsyncIterable<Buffer> | undefined): Promise<void> {
    const fh = await open(path, 'wx', 0o640).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EEXIST' ? new SnapshotCorruptError(this.source, `${path} appears twice`) : err;
    });
    try {
      if (data) for await (const piece of data) for (let at = 0; at < piece.length;) at += (await fh.write(piece, at, piece.length - at)).bytesWritten;
    } finally {
      await fh.close();
    }
  }

  /** After the archive checked out: fsync files, build the index, fsync directories. */
  async finish(appliedIndex: number): Promise<RestoreSummary> {
    if (this.indexRows === undefined) throw new SnapshotCorruptError(this.source, 'no index entry');
    await fsyncFiles([...this.files, this.indexFile]);
    await loadIndex(this.indexFile, join(this.tmp, 'index'), this.indexRows, appliedIndex, this.source, this.expect.rebaseTo);
    await removeTree(this.indexFile);
    const dirs = [...this.dirs, this.mailDir, join(this.tmp, 'index'), this.tmp];
    for (const dir of dirs.sort((a, b) => b.length - a.length)) await fsyncDir(dir);
    return {
      appliedIndex: this.expect.rebaseTo ?? appliedIndex, snapshotIndex: appliedIndex,
      indexRows: this.indexRows, dirs: this.dirs.size, files: this.files.length, links: this.links,
    };
  }
}

async function linkNew(from: string, to: string, source: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new SnapshotCorruptError(source, `${to} appears twice`);
    throw err;
  }
}

/** fsync many files, a few at a time (their journal commits can then be shared). */
async function fsyncFiles(paths: readonly string[]): Promise<void> {
  await forEachBounded(paths, 4, async (path) => {
    const fh = await open(path, 'r');
    try { await fh.sync(); } finally { await fh.close(); }
  });
}

/**
 * Builds a fresh LevelDB from the dumped rows; checks the row count, every key and the applied
 * index. With `rebaseTo`, the meta row, the checkpoint and every mailbox's UIDVALIDITY say that index.
 */
async function loadIndex(rowsFile: string, indexDir: string, rowsExpected: number, appliedIndex: number, source: string, rebaseTo?: number): Promise<void> {
  const db = new Level<string, unknown>(indexDir, { valueEncoding: 'json', errorIfExists: true });
  await db.open();
  try {
    let rows = 0;
    let meta: unknown;
    let batch: Array<{ type: 'put'; key: string; value: unknown }> = [];
    for await (const line of createInterface({ input: createReadStream(rowsFile), crlfDelay: Infinity })) {
      const row = parseRow(line, source);
      rows++;
      // The meta row goes in last, synced: an index with a meta row is a whole index.
      if (row[0] === 'meta') { meta = row[1]; continue; }
      const value = rebaseTo !== undefined && parseKey(row[0]).kind === 'mbox' ? { ...(row[1] as MailboxRow), uidValidity: uidValidityFor(rebaseTo) } : row[1];
      batch.push({ type: 'put', key: row[0], value });
      if (batch.length >= 1000) { await db.batch(batch); batch = []; }
    }
    if (batch.length) await db.batch(batch);
    if (rows !== rowsExpected) throw new SnapshotCorruptError(source, `${rows} index rows, the archive says ${rowsExpected}`);
    const metaIndex = (meta as { appliedIndex?: unknown } | undefined)?.appliedIndex ?? 0;
    if (metaIndex !== appliedIndex) throw new SnapshotCorruptError(source, `index is at ${String(metaIndex)}, the archive says ${appliedIndex}`);
    // Everything here is fsynced before the restore is decided: the new store is checkpointed whole.
    const checkpoint: CheckpointRow = { index: rebaseTo ?? appliedIndex };
    const metaRow = rebaseTo === undefined ? meta : { ...(meta as MetaRow), appliedIndex: rebaseTo, lastResult: null };
    await db.batch([
      ...(metaRow !== undefined ? [{ type: 'put' as const, key: 'meta', value: metaRow }] : []),
      { type: 'put' as const, key: checkpointKey, value: checkpoint },
    ], { sync: true });
  } finally {
    await db.close();
  }
}

function parseRow(line: string, source: string): [string, unknown] {
  let row: unknown;
  try { row = JSON.parse(line); } catch { throw new SnapshotCorruptError(source, 'an index row is not JSON'); }
  if (!Array.isArray(row) || row.length !== 2 || typeof row[0] !== 'string') throw new SnapshotCorruptError(source, 'bad index row');
  try { parseKey(row[0]); } catch { throw new SnapshotCorruptError(source, `unknown index key ${JSON.stringify(row[0]).slice(0, 100)}`); }
  return [row[0], row[1]];
}
