import { mkdirSync, readFileSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Membership } from '@tandem/raft';
import { CorruptionError, FatalStorageError } from './errors.js';
import { crashProcess, type FatalHandler } from './fatal-handler.js';

/**
 * Snapshots (Raft §7) as files: `<name>.data` holds the state machine's bytes, `<name>.meta.json`
 * the metadata (index, term, membership, size, CRC-32). The meta file is written last, atomically
 * (tmp, fsync, rename, fsync dir), after the data is fsynced: a snapshot exists exactly when its
 * meta file does. Incoming snapshots grow in `<name>.partial` and can resume where a broken
 * transfer stopped; the CRC check at commit catches anything a crash left behind in it.
 */
export interface SnapshotMeta {
  index: number;
  term: number;
  membership: Membership;
  sizeBytes: number;
  crc32: number;
}

export interface SnapshotProgress {
  bytesDone: number;
  bytesTotal: number | undefined;
}

export interface SnapshotStoreOptions {
  dir: string;
  /** Complete snapshots kept; older ones are deleted after a newer one commits. */
  retainCount?: number;
  onFatal?: FatalHandler;
}

let scratchCounter = 0;

export class FileSnapshotStore {
  private readonly metas: SnapshotMeta[];
  private readonly retainCount: number;
  readonly onFatal: FatalHandler;

  private constructor(readonly dir: string, metas: SnapshotMeta[], options: SnapshotStoreOptions) {
    this.metas = metas;
    this.retainCount = options.retainCount ?? 2;
    this.onFatal = options.onFatal ?? crashProcess;
  }

  static open(options: SnapshotStoreOptions): FileSnapshotStore {
    mkdirSync(options.dir, { recursive: true });
    const metas: SnapshotMeta[] = [];
    for (const name of readdirSync(options.dir)) {
      const path = join(options.dir, name);
      if (name.endsWith('.tmp')) unlinkSync(path);
      if (!name.endsWith('.meta.json')) continue;
      const meta = parseMeta(path);
      const data = join(options.dir, snapshotName(meta.index, meta.term) + '.data');
      let size: number;
      try {
        size = statSync(data).size;
      } catch {
        throw new CorruptionError(data, 0, 'snapshot data file is missing');
      }
      if (size !== meta.sizeBytes) throw new CorruptionError(data, size, `snapshot data is ${size} bytes, meta says ${meta.sizeBytes}`);
      metas.push(meta);
    }
    metas.sort((a, b) => a.index - b.index || a.term - b.term);
    return new FileSnapshotStore(options.dir, metas, options);
  }

  /** The newest complete snapshot, if any. */
  latest(): SnapshotMeta | undefined {
    return this.metas[this.metas.length - 1];
  }

  find(index: number, term: number): SnapshotMeta | undefined {
    return this.metas.find((m) => m.index === index && m.term === term);
  }

  dataPath(meta: { index: number; term: number }): string {
    return join(this.dir, snapshotName(meta.index, meta.term) + '.data');
  }

  /** Starts a snapshot made locally; its size and CRC are whatever is written. */
  create(meta: { index: number; term: number; membership: Membership }): Promise<SnapshotWriter> {
    return SnapshotWriter.start(this, { ...meta, sizeBytes: undefined, crc32: undefined }, false);
  }

  /**
   * Starts (or resumes) receiving a snapshot whose size and CRC the sender announced. When a partial
   * file of the same snapshot exists, writing continues at writer.progress().bytesDone.
   */
  receive(meta: SnapshotMeta): Promise<SnapshotWriter> {
    return SnapshotWriter.start(this, meta, true);
  }

  /** A fresh path where the state machine may write a snapshot's data; removed at open if abandoned. */
  scratchPath(): string {
    scratchCounter++;
    return join(this.dir, `scratch-${process.pid}-${Date.now()}-${scratchCounter}.tmp`);
  }

  /** Adopts a data file written at scratchPath() as a snapshot: fsync it, measure it, publish it. */
  async adopt(path: string, meta: { index: number; term: number; membership: Membership }): Promise<SnapshotMeta> {
    try {
      const handle = await open(path, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (e) {
      throw fatal(this, 'fsync', path, e);
    }
    const full: SnapshotMeta = { ...meta, sizeBytes: statSync(path).size, crc32: await crcOfFile(path) };
    await publish(this, path, full);
    return full;
  }

  /** Reads up to `length` bytes at `offset` of a complete snapshot (for streaming it to a follower). */
  async readChunk(meta: SnapshotMeta, offset: number, length: number): Promise<Uint8Array> {
    const handle = await open(this.dataPath(meta), 'r');
    try {
      const buf = Buffer.allocUnsafe(Math.max(0, Math.min(length, meta.sizeBytes - offset)));
      const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  /** Streams a complete snapshot's data, verifying its CRC at the end (for restoring the state machine). */
  async *stream(meta: SnapshotMeta, chunkBytes = 1024 * 1024): AsyncGenerator<Uint8Array> {
    let crc = 0;
    for (let offset = 0; offset < meta.sizeBytes; offset += chunkBytes) {
      const chunk = await this.readChunk(meta, offset, chunkBytes);
      crc = crc32(chunk, crc);
      yield chunk;
    }
    if (crc !== meta.crc32) throw new CorruptionError(this.dataPath(meta), 0, 'snapshot CRC mismatch on read');
  }

  /** Called by a writer after its meta file is durable. */
  async committed(meta: SnapshotMeta): Promise<void> {
    this.metas.push(meta);
    this.metas.sort((a, b) => a.index - b.index || a.term - b.term);
    while (this.metas.length > this.retainCount) {
      const old = this.metas.shift()!;
      // Meta first: once it is gone the snapshot no longer exists, whatever happens to the data file.
      await unlink(join(this.dir, snapshotName(old.index, old.term) + '.meta.json')).catch(() => undefined);
      await unlink(this.dataPath(old)).catch(() => undefined);
    }
  }
}

/** Writes one snapshot's data sequentially; resumable when receiving. */
export class SnapshotWriter {
  private done = false;

  private constructor(
    private readonly store: FileSnapshotStore,
    private readonly meta: { index: number; term: number; membership: Membership; sizeBytes: number | undefined; crc32: number | undefined },
    private readonly handle: FileHandle,
    private bytesDone: number,
  ) {}

  static async start(
    store: FileSnapshotStore,
    meta: { index: number; term: number; membership: Membership; sizeBytes: number | undefined; crc32: number | undefined },
    resumable: boolean,
  ): Promise<SnapshotWriter> {
    const partial = join(store.dir, snapshotName(meta.index, meta.term) + '.partial');
    let handle: FileHandle;
    let existing = 0;
    try {
      handle = await open(partial, resumable ? 'a+' : 'w+');
      existing = resumable ? (await handle.stat()).size : 0;
      if (meta.sizeBytes !== undefined && existing > meta.sizeBytes) {
        await handle.truncate(0);
        existing = 0;
      }
    } catch (e) {
      throw fatal(store, 'open', partial, e);
    }
    return new SnapshotWriter(store, meta, handle, existing);
  }

  progress(): SnapshotProgress {
    return { bytesDone: this.bytesDone, bytesTotal: this.meta.sizeBytes };
  }

  /** Appends `chunk`, which must start at `offset` === progress().bytesDone (the receiver's resume point). */
  async write(chunk: Uint8Array, offset = this.bytesDone): Promise<void> {
    if (this.done) throw new RangeError('snapshot writer is finished');
    if (offset !== this.bytesDone) throw new RangeError(`snapshot chunk at ${offset}, expected ${this.bytesDone}`);
    if (this.meta.sizeBytes !== undefined && offset + chunk.byteLength > this.meta.sizeBytes) {
      throw new RangeError(`snapshot chunk passes the announced size ${this.meta.sizeBytes}`);
    }
    try {
      await this.handle.write(chunk, 0, chunk.byteLength, offset);
    } catch (e) {
      throw fatal(this.store, 'write', this.partialPath, e);
    }
    this.bytesDone += chunk.byteLength;
  }

  /**
   * Makes the snapshot durable and visible: fsync the data, verify size and CRC (over the whole
   * file, so a resumed transfer is checked end to end), rename it, then write the meta atomically.
   * A CRC mismatch deletes the partial file and throws CorruptionError (the transfer restarts at 0).
   */
  async commit(): Promise<SnapshotMeta> {
    if (this.done) throw new RangeError('snapshot writer is finished');
    this.done = true;
    const path = this.partialPath;
    try {
      await this.handle.sync();
    } catch (e) {
      throw fatal(this.store, 'fsync', path, e);
    } finally {
      await this.handle.close();
    }
    const crc = await crcOfFile(path);
    const meta: SnapshotMeta = {
      index: this.meta.index, term: this.meta.term, membership: this.meta.membership, sizeBytes: this.bytesDone, crc32: crc,
    };
    if ((this.meta.sizeBytes !== undefined && this.meta.sizeBytes !== meta.sizeBytes) || (this.meta.crc32 !== undefined && this.meta.crc32 !== meta.crc32)) {
      await unlink(path);
      throw new CorruptionError(path, meta.sizeBytes, 'received snapshot does not match its announced size/CRC');
    }
    await publish(this.store, path, meta);
    return meta;
  }

  /** Stops writing; a receiving writer keeps its partial file so the transfer can resume. */
  async abort(keepPartial: boolean): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle.close();
    if (!keepPartial) await unlink(this.partialPath).catch(() => undefined);
  }

  private get partialPath(): string {
    return join(this.store.dir, snapshotName(this.meta.index, this.meta.term) + '.partial');
  }
}

/** Renames a complete, fsynced data file into place and writes its meta atomically: the commit point. */
async function publish(store: FileSnapshotStore, dataPath: string, meta: SnapshotMeta): Promise<void> {
  const base = join(store.dir, snapshotName(meta.index, meta.term));
  try {
    await rename(dataPath, base + '.data');
    const tmp = base + '.meta.json.tmp';
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(meta));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, base + '.meta.json');
    const dir = await open(store.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (e) {
    throw fatal(store, 'commit', base, e);
  }
  await store.committed(meta);
}

function fatal(store: FileSnapshotStore, operation: string, path: string, e: unknown): FatalStorageError {
  const error = new FatalStorageError(operation, path, e);
  store.onFatal(error);
  return error;
}

async function crcOfFile(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    let crc = 0;
    for (let offset = 0; ; ) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return crc;
      crc = crc32(buf.subarray(0, bytesRead), crc);
      offset += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

function snapshotName(index: number, term: number): string {
  return `snap-${String(index).padStart(20, '0')}-${String(term).padStart(20, '0')}`;
}

function parseMeta(path: string): SnapshotMeta {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new CorruptionError(path, 0, 'snapshot meta is not JSON');
  }
  const m = value as Partial<SnapshotMeta>;
  if (typeof m.index !== 'number' || typeof m.term !== 'number' || typeof m.sizeBytes !== 'number'
    || typeof m.crc32 !== 'number' || typeof m.membership !== 'object' || m.membership === null) {
    throw new CorruptionError(path, 0, 'snapshot meta lacks a field');
  }
  return m as SnapshotMeta;
}
