/**
 * Reads a snapshot's archive bytes by range, for chunked and resumable transfer: `read(offset,
 * length)` serves any range (a receiver resumes at the last byte it has), `stream(from)` yields
 * the rest in chunk-sized pieces, `totalBytes` is what progress counts up to, and the manifest
 * carries the per-chunk checksums the other side checks.
 *
 * Works on both kinds of snapshot directory:
 *  - one made by createSnapshot(): the archive is virtual; the entry table (entries.jsonl) says
 *    where each entry sits, and bytes come from the header, the linked file and the checksum;
 *  - one made by SnapshotReceiver (or holding an archive file): bytes come from `archive.tsnap`.
 */
import { open, readFile, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { dataBytes, encodeHeader, snapshotMagic, trailerBytes } from './snapshot-archive.js';
import type { SnapshotManifest } from './snapshot-manifest.js';
import { chunkLength, readManifest } from './snapshot-manifest.js';
import type { SnapshotTableRow } from './create-snapshot.js';
import { tableFileName } from './create-snapshot.js';

export const archiveFileName = 'archive.tsnap';

export interface SnapshotReader {
  readonly manifest: SnapshotManifest;
  readonly totalBytes: number;
  /** Exactly min(length, totalBytes - offset) bytes of the archive from `offset`. */
  read(offset: number, length: number): Promise<Buffer>;
  /** Chunk number `chunk` as the manifest counts them (verifyChunk() checks it). */
  readChunk(chunk: number): Promise<Buffer>;
  /** The archive from `fromOffset` to the end, in chunk-sized pieces. */
  stream(fromOffset?: number): AsyncGenerator<Buffer>;
  close(): Promise<void>;
}

export async function openSnapshotReader(dir: string): Promise<SnapshotReader> {
  const manifest = await readManifest(dir);
  const archive = join(dir, archiveFileName);
  if (await exists(archive)) return ArchiveFileReader.open(manifest, archive);
  const table = (await readFile(join(dir, tableFileName), 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as SnapshotTableRow);
  return new TableReader(manifest, dir, table);
}

async function exists(path: string): Promise<boolean> {
  try { await stat(path); return true; } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

abstract class BaseReader implements SnapshotReader {
  constructor(readonly manifest: SnapshotManifest) {}
  get totalBytes(): number { return this.manifest.totalBytes; }

  async read(offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad range ${offset}+${length}`);
    const end = Math.min(this.totalBytes, offset + length);
    const out = Buffer.alloc(Math.max(0, end - offset));
    if (out.length) await this.fill(out, offset);
    return out;
  }

  readChunk(chunk: number): Promise<Buffer> {
    return this.read(chunk * this.manifest.chunkBytes, chunkLength(this.manifest, chunk));
  }

  async *stream(fromOffset = 0): AsyncGenerator<Buffer> {
    for (let at = fromOffset; at < this.totalBytes;) {
      const piece = await this.read(at, this.manifest.chunkBytes - (at % this.manifest.chunkBytes));
      at += piece.length;
      yield piece;
    }
  }

  protected abstract fill(out: Buffer, offset: number): Promise<void>;
  abstract close(): Promise<void>;
}

class ArchiveFileReader extends BaseReader {
  private constructor(manifest: SnapshotManifest, private readonly fh: FileHandle) { super(manifest); }

  static async open(manifest: SnapshotManifest, path: string): Promise<ArchiveFileReader> {
    const fh = await open(path, 'r');
    const { size } = await fh.stat();
    if (size !== manifest.totalBytes) { await fh.close(); throw new Error(`${path} has ${size} bytes, the manifest says ${manifest.totalBytes}`); }
    return new ArchiveFileReader(manifest, fh);
  }

  protected async fill(out: Buffer, offset: number): Promise<void> {
    for (let at = 0; at < out.length;) {
      const { bytesRead } = await this.fh.read(out, at, out.length - at, offset + at);
      if (bytesRead === 0) throw new Error('snapshot archive shrank while being read');
      at += bytesRead;
    }
  }

  close(): Promise<void> { return this.fh.close(); }
}

class TableReader extends BaseReader {
  constructor(manifest: SnapshotManifest, private readonly dir: string, private readonly table: readonly SnapshotTableRow[]) { super(manifest); }

  /** Index of the last entry starting at or before `offset` (-1: inside the magic). */
  private entryAt(offset: number): number {
    let lo = 0;
    let hi = this.table.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.table[mid]!.offset <= offset) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  protected async fill(out: Buffer, offset: number): Promise<void> {
    const end = offset + out.length;
    // Copies the part of `bytes` (which sit at archive offset `at`) that falls into [offset, end).
    const place = (bytes: Buffer, at: number): void => {
      const from = Math.max(offset, at);
      const to = Math.min(end, at + bytes.length);
      if (from < to) bytes.copy(out, from - offset, from - at, to - at);
    };
    place(snapshotMagic, 0);
    for (let i = Math.max(0, this.entryAt(offset)); i < this.table.length && this.table[i]!.offset < end; i++) {
      const row = this.table[i]!;
      const header = encodeHeader(row.header);
      const size = dataBytes(row.header);
      place(header, row.offset);
      const dataAt = row.offset + header.length;
      const from = Math.max(offset, dataAt);
      const to = Math.min(end, dataAt + size);
      if (from < to) await this.readData(row, from - dataAt, out.subarray(from - offset, to - offset));
      place(Buffer.from(row.sha256, 'hex'), dataAt + size);
      if (dataAt + size + trailerBytes >= end) break;
    }
  }

  private async readData(row: SnapshotTableRow, position: number, into: Buffer): Promise<void> {
    const fh = await open(join(this.dir, row.source!), 'r');
    try {
      for (let at = 0; at < into.length;) {
        const { bytesRead } = await fh.read(into, at, into.length - at, position + at);
        if (bytesRead === 0) throw new Error(`snapshot file ${row.source} is shorter than recorded`);
        at += bytesRead;
      }
    } finally {
      await fh.close();
    }
  }

  async close(): Promise<void> { /* nothing held open between reads */ }
}
