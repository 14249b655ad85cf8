/**
 * The manifest of a snapshot: what a receiver needs before the first byte (applied index, total
 * size for progress) and what lets it check each chunk on arrival (one sha256 per chunk), so a
 * broken or tampered chunk is refused alone and fetched again, and a transfer can resume after the
 * last good chunk. The archive itself checks itself too (snapshot-archive.ts); the manifest only
 * adds early, per-chunk detection.
 */
import { createHash } from 'node:crypto';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, writeFileSynced } from './durable-fs.js';
import { SnapshotCorruptError } from './store-errors.js';
import { snapshotFormat } from './snapshot-archive.js';

export interface SnapshotManifest {
  format: number;
  /** The log index the snapshot's state is at (its "last included index", Raft §7). */
  appliedIndex: number;
  /** Bytes of the archive stream: what a transfer's progress counts up to. */
  totalBytes: number;
  /** Chunk i is the archive bytes [i·chunkBytes, min((i+1)·chunkBytes, totalBytes)). */
  chunkBytes: number;
  /** sha256 (hex) of each chunk. */
  chunkSha256: string[];
  /** sha256 (hex) of the whole archive. */
  archiveSha256: string;
  /** Counts, for logs and status: entries in the archive, index rows, directories, files, hard links. */
  entries: number;
  indexRows: number;
  dirs: number;
  files: number;
  links: number;
}

export const manifestFileName = 'manifest.json';

export function chunkCount(m: Pick<SnapshotManifest, 'totalBytes' | 'chunkBytes'>): number {
  return Math.ceil(m.totalBytes / m.chunkBytes);
}

export function chunkLength(m: Pick<SnapshotManifest, 'totalBytes' | 'chunkBytes'>, chunk: number): number {
  return Math.max(0, Math.min(m.chunkBytes, m.totalBytes - chunk * m.chunkBytes));
}

/** True when `bytes` are exactly chunk number `chunk` of the snapshot. */
export function verifyChunk(m: SnapshotManifest, chunk: number, bytes: Uint8Array): boolean {
  return bytes.byteLength === chunkLength(m, chunk) && createHash('sha256').update(bytes).digest('hex') === m.chunkSha256[chunk];
}

/** Hashes a stream chunk by chunk (and as a whole) as it is produced. */
export class ChunkHasher {
  readonly chunkSha256: string[] = [];
  private readonly whole = createHash('sha256');
  private current = createHash('sha256');
  private inChunk = 0;
  totalBytes = 0;

  constructor(readonly chunkBytes: number) {}

  update(bytes: Buffer): void {
    this.whole.update(bytes);
    this.totalBytes += bytes.length;
    for (let at = 0; at < bytes.length;) {
      const take = Math.min(this.chunkBytes - this.inChunk, bytes.length - at);
      this.current.update(bytes.subarray(at, at + take));
      this.inChunk += take;
      at += take;
      if (this.inChunk === this.chunkBytes) this.closeChunk();
    }
  }

  private closeChunk(): void {
    this.chunkSha256.push(this.current.digest('hex'));
    this.current = createHash('sha256');
    this.inChunk = 0;
  }

  /** sha256 (hex) of every byte so far, without ending the stream. */
  digestSoFar(): string { return this.whole.copy().digest('hex'); }

  finish(): { chunkSha256: string[]; archiveSha256: string; totalBytes: number } {
    if (this.inChunk > 0) this.closeChunk();
    return { chunkSha256: this.chunkSha256, archiveSha256: this.whole.digest('hex'), totalBytes: this.totalBytes };
  }
}

/**
 * Passes a stream through unchanged while checking it against the manifest's chunk checksums and
 * total size; throws SnapshotCorruptError at the first chunk that does not match.
 */
export async function* verifyChunks(source: AsyncIterable<Uint8Array>, m: SnapshotManifest, name: string): AsyncGenerator<Buffer> {
  const hasher = new ChunkHasher(m.chunkBytes);
  let checked = 0;
  for await (const piece of source) {
    const b = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (hasher.totalBytes + b.length > m.totalBytes) throw new SnapshotCorruptError(name, `longer than the manifest's ${m.totalBytes} bytes`);
    hasher.update(b);
    for (; checked < hasher.chunkSha256.length; checked++) {
      if (hasher.chunkSha256[checked] !== m.chunkSha256[checked]) throw new SnapshotCorruptError(name, `chunk ${checked} does not match the manifest`);
    }
    yield b;
  }
  const done = hasher.finish();
  if (done.totalBytes !== m.totalBytes) throw new SnapshotCorruptError(name, `${done.totalBytes} bytes, the manifest says ${m.totalBytes}`);
  for (; checked < done.chunkSha256.length; checked++) {
    if (done.chunkSha256[checked] !== m.chunkSha256[checked]) throw new SnapshotCorruptError(name, `chunk ${checked} does not match the manifest`);
  }
  if (done.archiveSha256 !== m.archiveSha256) throw new SnapshotCorruptError(name, 'archive checksum does not match the manifest');
}

/** Checks a parsed manifest's shape (it may come from the network). */
export function parseManifest(json: unknown, name: string): SnapshotManifest {
  const m = json as SnapshotManifest;
  const count = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;
  const hex = (x: unknown): boolean => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x);
  const ok = typeof m === 'object' && m !== null && m.format === snapshotFormat
    && [m.appliedIndex, m.totalBytes, m.entries, m.indexRows, m.dirs, m.files, m.links].every(count)
    && count(m.chunkBytes) && m.chunkBytes > 0 && hex(m.archiveSha256)
    && Array.isArray(m.chunkSha256) && m.chunkSha256.length === chunkCount(m) && m.chunkSha256.every(hex);
  if (!ok) throw new SnapshotCorruptError(name, 'bad manifest');
  return {
    format: m.format, appliedIndex: m.appliedIndex, totalBytes: m.totalBytes, chunkBytes: m.chunkBytes,
    chunkSha256: [...m.chunkSha256], archiveSha256: m.archiveSha256,
    entries: m.entries, indexRows: m.indexRows, dirs: m.dirs, files: m.files, links: m.links,
  };
}

export async function readManifest(dir: string): Promise<SnapshotManifest> {
  const path = join(dir, manifestFileName);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
    throw new SnapshotCorruptError(path, 'manifest is not JSON');
  }
  return parseManifest(json, path);
}

/** Writes the manifest atomically (tmp, fsync, rename, fsync dir): a snapshot dir is complete once it has one. */
export async function writeManifest(dir: string, m: SnapshotManifest): Promise<void> {
  const tmp = join(dir, `${manifestFileName}.tmp`);
  await writeFileSynced(tmp, Buffer.from(JSON.stringify(m, null, 1)));
  await rename(tmp, join(dir, manifestFileName));
  await fsyncDir(dir);
}
