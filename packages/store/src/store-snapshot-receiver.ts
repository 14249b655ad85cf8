/**
 * The receiving end of a snapshot transfer: bytes arrive in order (from any transport), each
 * chunk is checked against the manifest's sha256 before it counts, and `receivedBytes` — the
 * resume point to ask the sender for — only ever covers checked chunks. A broken or tampered
 * chunk is refused (SnapshotCorruptError) and simply sent again from `receivedBytes`.
 *
 * On disk: `<dir>/manifest.json` and `<dir>/archive.part`, renamed to `archive.tsnap` once whole
 * and synced. After a crash, open() re-checks the chunks already in `archive.part` and resumes
 * after the last good one (bytes not yet synced may be lost or torn: the checksums catch that).
 * The finished directory is what restoreSnapshot() and openSnapshotReader() take.
 */
import { constants } from 'node:fs';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, removeTree } from './durable-fs.js';
import type { SnapshotManifest } from './snapshot-manifest.js';
import { chunkCount, chunkLength, manifestFileName, readManifest, verifyChunk, writeManifest } from './snapshot-manifest.js';
import { archiveFileName } from './snapshot-reader.js';
import { SnapshotCorruptError } from './store-errors.js';

const partFileName = 'archive.part';

export class StoreSnapshotReceiver {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  private constructor(
    readonly dir: string,
    readonly manifest: SnapshotManifest,
    private fh: FileHandle | undefined,
    private verifiedBytes: number,
  ) {}

  /**
   * Opens (or resumes) the transfer of the snapshot `manifest` into `dir`. A directory holding
   * another snapshot (different manifest) is emptied first.
   */
  static async open(dir: string, manifest: SnapshotManifest): Promise<StoreSnapshotReceiver> {
    await mkdir(dir, { recursive: true, mode: 0o750 });
    const previous = await readManifest(dir).catch(() => undefined);
    if (!previous || JSON.stringify(previous) !== JSON.stringify(manifest)) {
      await removeTree(join(dir, partFileName));
      await removeTree(join(dir, archiveFileName));
      await removeTree(join(dir, manifestFileName));
      await writeManifest(dir, manifest);
    }
    if (await sizeOf(join(dir, archiveFileName)) === manifest.totalBytes) return new StoreSnapshotReceiver(dir, manifest, undefined, manifest.totalBytes);
    const fh = await open(join(dir, partFileName), constants.O_RDWR | constants.O_CREAT, 0o640);
    let verified = 0;
    const { size } = await fh.stat();
    for (let chunk = 0; chunk < chunkCount(manifest); chunk++) {
      const length = chunkLength(manifest, chunk);
      if (verified + length > size) break;
      const bytes = Buffer.alloc(length);
      await fh.read(bytes, 0, length, verified);
      if (!verifyChunk(manifest, chunk, bytes)) break;
      verified += length;
    }
    await fh.truncate(verified);
    return new StoreSnapshotReceiver(dir, manifest, fh, verified);
  }

  get totalBytes(): number { return this.manifest.totalBytes; }
  /** Checked bytes on disk: where the sender should (re)start. */
  get receivedBytes(): number { return this.verifiedBytes; }
  get complete(): boolean { return this.verifiedBytes === this.manifest.totalBytes; }

  /**
   * Takes the archive bytes at `offset`. Bytes before what is already here are ignored (a resend);
   * a gap is refused (RangeError). When a chunk completes it is checked: a mismatch drops the
   * whole chunk and throws SnapshotCorruptError (resume from receivedBytes).
   */
  async write(offset: number, bytes: Uint8Array): Promise<void> {
    const have = this.verifiedBytes + this.pendingBytes;
    if (offset > have) throw new RangeError(`snapshot bytes at ${offset}, expected ${have}`);
    let b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).subarray(have - offset);
    if (have + b.length > this.manifest.totalBytes) throw new SnapshotCorruptError(this.dir, `bytes beyond the manifest's ${this.manifest.totalBytes}`);
    while (b.length > 0) {
      const chunk = this.verifiedBytes / this.manifest.chunkBytes;
      const want = chunkLength(this.manifest, chunk) - this.pendingBytes;
      const piece = b.subarray(0, want);
      this.pending.push(Buffer.from(piece));
      this.pendingBytes += piece.length;
      b = b.subarray(piece.length);
      if (piece.length === want) await this.closeChunk(chunk);
    }
  }

  private async closeChunk(chunk: number): Promise<void> {
    const bytes = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    if (!verifyChunk(this.manifest, chunk, bytes)) throw new SnapshotCorruptError(this.dir, `chunk ${chunk} does not match the manifest`);
    for (let at = 0; at < bytes.length;) at += (await this.fh!.write(bytes, at, bytes.length - at, this.verifiedBytes + at)).bytesWritten;
    this.verifiedBytes += bytes.length;
  }

  /** Makes the complete archive durable under its final name; returns the snapshot dir. */
  async finish(): Promise<string> {
    if (!this.complete) throw new Error(`snapshot incomplete: ${this.verifiedBytes} of ${this.manifest.totalBytes} bytes`);
    if (this.fh) {
      await this.fh.sync();
      await this.fh.close();
      this.fh = undefined;
      await rename(join(this.dir, partFileName), join(this.dir, archiveFileName));
      await fsyncDir(this.dir);
    }
    return this.dir;
  }

  /** Stops without finishing; what was checked stays for a later open() to resume. */
  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try { return (await stat(path)).size; } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
