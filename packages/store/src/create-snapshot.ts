/**
 * Taking a snapshot of the whole store (for Raft §7 snapshots and for backups), in two steps:
 *
 *  1. captureState(), while MailStore holds applies back: an explicit LevelDB snapshot of the
 *     index (a consistent read view, free), and a hard link of every file of the Maildir tree
 *     into `<dir>/files/` (one link() per file, no bytes copied). Message files are never changed
 *     once written (file names are fixed by the log index, flags live in the index), so a link
 *     pins exactly the bytes of the snapshot point, whatever later expunges, deletes and renames
 *     do to the live tree. The pause therefore costs a directory walk and a link per file.
 *  2. writeSnapshot(), while applies go on: the index rows are written from the LevelDB snapshot
 *     to `<dir>/index.jsonl`, then one pass over the virtual archive (snapshot-archive.ts)
 *     computes every entry's sha256, the chunk checksums and the manifest, and records where each
 *     entry sits (`<dir>/entries.jsonl`), so snapshot-reader.ts can serve any byte range without
 *     the archive ever being written out. When `archivePath` is given, the same pass also writes
 *     the archive as one file (what a Raft driver that ships single files wants).
 *
 * The manifest is written last: a snapshot directory without `manifest.json` is incomplete.
 * Links fall back to copies where the snapshot dir is on another file system (slower pause).
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Level } from 'level';
import { limits } from '@tandem/config';
import { fsyncDir, linkReplacing } from './durable-fs.js';
import { walkStoreTree } from './store-tree.js';
import { isLocalKey } from './index-rows.js';
import { forEachBounded } from './for-each-bounded.js';
import type { SnapshotHeader } from './snapshot-archive.js';
import { dataBytes, emptySha256, encodeHeader, snapshotFormat, snapshotMagic } from './snapshot-archive.js';
import type { SnapshotManifest } from './snapshot-manifest.js';
import { ChunkHasher, writeManifest } from './snapshot-manifest.js';

type IndexSnapshot = ReturnType<Level<string, unknown>['snapshot']>;

export interface CapturedState {
  appliedIndex: number;
  index: IndexSnapshot;
  tree: Array<{ type: 'dir'; path: string } | { type: 'file'; path: string; size: number } | { type: 'link'; path: string; target: string }>;
}

/** One archive entry and where its data comes from, relative to the snapshot dir. */
export interface SnapshotTableRow { offset: number; header: SnapshotHeader; source?: string; sha256: string }

export const indexFileName = 'index.jsonl';
export const tableFileName = 'entries.jsonl';
export const filesDirName = 'files';

/** Step 1; the caller holds applies back while this runs. `dir` must not exist yet. */
export async function captureState(db: Level<string, unknown>, mailRoot: string, dir: string, appliedIndex: number): Promise<CapturedState> {
  await mkdir(dirname(dir), { recursive: true });
  await mkdir(dir, { mode: 0o750 });
  await mkdir(join(dir, filesDirName), { mode: 0o750 });
  const index = db.snapshot();
  try {
    const tree: CapturedState['tree'] = [];
    const firstPathOfInode = new Map<string, string>();
    const toLink: string[] = [];
    for (const e of await walkStoreTree(mailRoot)) {
      if (e.kind === 'dir') {
        // Directories come before their contents (store-tree.ts), so parents exist already.
        await mkdir(join(dir, filesDirName, e.path), { mode: 0o750 });
        tree.push({ type: 'dir', path: e.path });
        continue;
      }
      const target = e.links > 1 ? firstPathOfInode.get(e.inode) : undefined;
      if (target !== undefined) { tree.push({ type: 'link', path: e.path, target }); continue; }
      if (e.links > 1) firstPathOfInode.set(e.inode, e.path);
      toLink.push(e.path);
      tree.push({ type: 'file', path: e.path, size: e.sizeBytes });
    }
    await forEachBounded(toLink, 4, (path) => linkReplacing(join(mailRoot, path), join(dir, filesDirName, path)));
    return { appliedIndex, index, tree };
  } catch (err) {
    await index.close();
    throw err;
  }
}

/** Step 2: index rows, entry table and manifest (and the archive file, if asked). Closes the LevelDB snapshot. */
export interface WriteSnapshotOptions {
  /** Also write the archive as one file here. */
  archivePath?: string;
  /** Chunk size of the manifest's checksums (default limits.snapshotChunkBytes). */
  chunkBytes?: number;
}

export async function writeSnapshot(db: Level<string, unknown>, state: CapturedState, dir: string, opts: WriteSnapshotOptions = {}): Promise<SnapshotManifest> {
  const chunkBytes = opts.chunkBytes ?? limits.snapshotChunkBytes;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new RangeError(`bad chunkBytes ${chunkBytes}`);
  let rows: { count: number; sizeBytes: number };
  try {
    rows = await dumpIndex(db, state, join(dir, indexFileName));
  } finally {
    await state.index.close();
  }
  const headers: Array<{ header: SnapshotHeader; source?: string }> = [
    { header: { type: 'snapshot', format: snapshotFormat, appliedIndex: state.appliedIndex } },
    { header: { type: 'index', size: rows.sizeBytes, rows: rows.count }, source: indexFileName },
    ...state.tree.map((t) => (t.type === 'file' ? { header: t, source: `${filesDirName}/${t.path}` } : { header: t })),
  ];
  const out = opts.archivePath === undefined ? undefined : await ArchiveOut.create(opts.archivePath);
  const hasher = new ChunkHasher(chunkBytes);
  const emit = async (b: Buffer): Promise<void> => { hasher.update(b); await out?.write(b); };
  const table: SnapshotTableRow[] = [];
  try {
    await emit(snapshotMagic);
    for (const { header, source } of headers) {
      const offset = hasher.totalBytes;
      await emit(encodeHeader(header));
      const sha = source === undefined ? emptySha256 : await emitFile(join(dir, source), dataBytes(header), emit);
      await emit(sha);
      table.push({ offset, header, ...(source === undefined ? {} : { source }), sha256: sha.toString('hex') });
    }
    const end: SnapshotHeader = { type: 'end', entries: headers.length, sha256: hasher.digestSoFar() };
    table.push({ offset: hasher.totalBytes, header: end, sha256: emptySha256.toString('hex') });
    await emit(encodeHeader(end));
    await emit(emptySha256);
    await out?.finish();
  } finally {
    await out?.close();
  }
  const { chunkSha256, archiveSha256, totalBytes } = hasher.finish();
  await writeLines(join(dir, tableFileName), table.map((row) => JSON.stringify(row)));
  const count = (type: string): number => state.tree.filter((t) => t.type === type).length;
  const manifest: SnapshotManifest = {
    format: snapshotFormat, appliedIndex: state.appliedIndex, totalBytes, chunkBytes,
    chunkSha256, archiveSha256, entries: headers.length + 1, indexRows: rows.count,
    dirs: count('dir'), files: count('file'), links: count('link'),
  };
  await fsyncDir(dir);
  await writeManifest(dir, manifest);
  return manifest;
}

/** The index rows as of the LevelDB snapshot, one JSON [key, value] per line, in key order. */
async function dumpIndex(db: Level<string, unknown>, state: CapturedState, path: string): Promise<{ count: number; sizeBytes: number }> {
  const fh = await open(path, 'wx', 0o640);
  let count = 0;
  let sizeBytes = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    const b = Buffer.from(pending.join(''), 'utf8');
    await writeAll(fh, b);
    sizeBytes += b.length;
    pending = [];
    pendingBytes = 0;
  };
  try {
    for await (const [key, value] of db.iterator({ snapshot: state.index })) {
      if (isLocalKey(key)) continue; // the checkpoint row is this node's, not the state's
      if (key === 'meta' && (value as { appliedIndex?: unknown }).appliedIndex !== state.appliedIndex) {
        throw new Error(`index snapshot is at ${(value as { appliedIndex?: unknown }).appliedIndex}, not ${state.appliedIndex}`);
      }
      const line = JSON.stringify([key, value]) + '\n';
      pending.push(line);
      pendingBytes += line.length;
      count++;
      if (pendingBytes >= 1024 * 1024) await flush();
    }
    await flush();
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { count, sizeBytes };
}

/** Streams a file into the archive; returns its sha256. Its size must not have changed (files are immutable). */
async function emitFile(path: string, size: number, emit: (b: Buffer) => Promise<void>): Promise<Buffer> {
  const hash = createHash('sha256');
  let seen = 0;
  const feed = async (b: Buffer): Promise<void> => { hash.update(b); seen += b.length; await emit(b); };
  if (size <= 1024 * 1024) await feed(await readFile(path));
  else for await (const piece of createReadStream(path, { highWaterMark: 256 * 1024 })) await feed(piece as Buffer);
  if (seen !== size) throw new Error(`${path} changed while being snapshotted (${seen} bytes, expected ${size})`);
  return hash.digest();
}

async function writeAll(fh: FileHandle, b: Uint8Array): Promise<void> {
  for (let at = 0; at < b.length;) at += (await fh.write(b, at, b.length - at)).bytesWritten;
}

async function writeLines(path: string, lines: readonly string[]): Promise<void> {
  const fh = await open(path, 'wx', 0o640);
  try {
    for (let i = 0; i < lines.length; i += 10_000) await writeAll(fh, Buffer.from(lines.slice(i, i + 10_000).map((l) => l + '\n').join(''), 'utf8'));
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The archive written as one file, in 1 MiB writes, synced at the end. */
class ArchiveOut {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private constructor(private readonly path: string, private readonly fh: FileHandle) {}

  static async create(path: string): Promise<ArchiveOut> {
    return new ArchiveOut(path, await open(path, 'w', 0o640));
  }

  async write(b: Buffer): Promise<void> {
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes >= 1024 * 1024) await this.flush();
  }

  private async flush(): Promise<void> {
    const b = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    await writeAll(this.fh, b);
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.fh.sync();
    await fsyncDir(dirname(this.path));
  }

  async close(): Promise<void> { await this.fh.close(); }
}
