/**
 * The snapshot archive: one byte stream that carries a whole store (index rows, Maildir tree,
 * message files) and checks itself, so it can be cut into chunks, sent, resumed and verified
 * anywhere. Our own small framing, tar-like but with a checksum on every entry:
 *
 *   archive = magic "TNDMSNP1" · entry* 
 *   entry   = u32 big-endian header length · header (UTF-8 JSON) · data (header.size bytes)
 *             · sha256(data) (32 raw bytes; the digest of nothing for entries without data)
 *
 * Headers, in this order:
 *   {"type":"snapshot","format":1,"appliedIndex":N}   always first
 *   {"type":"index","size":S,"rows":R}                 data: R index rows, one JSON [key, value] per line, key order
 *   {"type":"dir","path":P}                            the tree (store-tree.ts), paths relative to <data>/mail,
 *   {"type":"file","path":P,"size":S}                  in canonical order; a dir before its contents
 *   {"type":"link","path":P,"target":T}                the same file as the earlier entry T (a hard link)
 *   {"type":"end","entries":K,"sha256":H}              K entries before it; H = sha256 of every archive byte before it
 *
 * The checksum follows the data (rather than sitting in the header) so that an archive is
 * written in one pass over the files. Writers emit headers in canonical form (canonicalHeader),
 * so the same store state always gives the same archive bytes.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { limits } from '@tandem/config';
import { SnapshotCorruptError } from './store-errors.js';

export const snapshotMagic = Buffer.from('TNDMSNP1', 'latin1');
export const snapshotFormat = 1;
export const trailerBytes = 32;

export type SnapshotHeader =
  | { type: 'snapshot'; format: number; appliedIndex: number }
  | { type: 'index'; size: number; rows: number }
  | { type: 'dir'; path: string }
  | { type: 'file'; path: string; size: number }
  | { type: 'link'; path: string; target: string }
  | { type: 'end'; entries: number; sha256: string };

/** The header with its keys in the one order writers use. */
export function canonicalHeader(h: SnapshotHeader): SnapshotHeader {
  switch (h.type) {
    case 'snapshot': return { type: h.type, format: h.format, appliedIndex: h.appliedIndex };
    case 'index': return { type: h.type, size: h.size, rows: h.rows };
    case 'dir': return { type: h.type, path: h.path };
    case 'file': return { type: h.type, path: h.path, size: h.size };
    case 'link': return { type: h.type, path: h.path, target: h.target };
    case 'end': return { type: h.type, entries: h.entries, sha256: h.sha256 };
  }
}

/** Length prefix and header bytes of an entry. */
export function encodeHeader(h: SnapshotHeader): Buffer {
  const json = Buffer.from(JSON.stringify(canonicalHeader(h)), 'utf8');
  if (json.length > limits.snapshotHeaderBytesMax) throw new Error(`snapshot header too long: ${json.length} bytes`);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(json.length);
  return Buffer.concat([prefix, json]);
}

/** Bytes of data that follow a header. */
export function dataBytes(h: SnapshotHeader): number {
  return h.type === 'index' || h.type === 'file' ? h.size : 0;
}

export const emptySha256 = createHash('sha256').digest();

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/**
 * A path inside the mail tree as an archive may name it: relative, "/"-separated, no empty, "."
 * or ".." component, no NUL or backslash. Anything else is refused before it touches the disk.
 */
export function isSafeTreePath(path: unknown): path is string {
  if (typeof path !== 'string' || path.length === 0 || path.length > 4096) return false;
  if (path.includes('\u0000') || path.includes('\\')) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

export function decodeHeader(bytes: Buffer, source: string): SnapshotHeader {
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new SnapshotCorruptError(source, 'an entry header is not JSON');
  }
  const bad = (): never => { throw new SnapshotCorruptError(source, `bad entry header ${bytes.toString('utf8').slice(0, 200)}`); };
  if (typeof h !== 'object' || h === null) bad();
  switch (h['type']) {
    case 'snapshot': if (!isCount(h['format']) || !isCount(h['appliedIndex'])) bad(); break;
    case 'index': if (!isCount(h['size']) || !isCount(h['rows'])) bad(); break;
    case 'dir': if (!isSafeTreePath(h['path'])) bad(); break;
    case 'file': if (!isSafeTreePath(h['path']) || !isCount(h['size'])) bad(); break;
    case 'link': if (!isSafeTreePath(h['path']) || !isSafeTreePath(h['target'])) bad(); break;
    case 'end': if (!isCount(h['entries']) || typeof h['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(h['sha256'])) bad(); break;
    default: bad();
  }
  return canonicalHeader(h as unknown as SnapshotHeader);
}

/** Receives the entries of an archive being read; data must be consumed before returning. */
export interface ArchiveSink {
  entry(header: SnapshotHeader, data: AsyncIterable<Buffer> | undefined): Promise<void>;
}

/**
 * Reads a whole archive from `source`, handing each entry to `sink`, and checks everything the
 * format promises: magic, header shapes and bounds, every entry's sha256, the entry count and the
 * whole-archive sha256 in the end entry, nothing after it. Throws SnapshotCorruptError otherwise
 * (after which whatever the sink wrote must be discarded). Returns the applied index.
 */
export async function readArchive(source: AsyncIterable<Uint8Array>, name: string, sink: ArchiveSink): Promise<number> {
  const archiveHash = createHash('sha256');
  const cursor = new ByteCursor(source[Symbol.asyncIterator](), name, (b) => archiveHash.update(b));
  if (!(await cursor.exactly(snapshotMagic.length)).equals(snapshotMagic)) throw new SnapshotCorruptError(name, 'not a Tandem snapshot (bad magic)');
  let appliedIndex: number | undefined;
  for (let entries = 0; ; entries++) {
    const before: Hash = archiveHash.copy();
    const length = (await cursor.exactly(4)).readUInt32BE(0);
    if (length > limits.snapshotHeaderBytesMax) throw new SnapshotCorruptError(name, `entry header of ${length} bytes`);
    const header = decodeHeader(await cursor.exactly(length), name);
    if ((entries === 0) !== (header.type === 'snapshot')) throw new SnapshotCorruptError(name, 'the snapshot header must come first, once');
    if (header.type === 'snapshot') {
      if (header.format !== snapshotFormat) throw new SnapshotCorruptError(name, `unknown format ${header.format}`);
      appliedIndex = header.appliedIndex;
    }
    if (header.type === 'end') {
      if (header.entries !== entries) throw new SnapshotCorruptError(name, `end says ${header.entries} entries, read ${entries}`);
      if (header.sha256 !== before.digest('hex')) throw new SnapshotCorruptError(name, 'archive checksum mismatch');
    }
    const size = dataBytes(header);
    const entryHash = createHash('sha256');
    const pieces = size > 0 ? cursor.take(size, (b) => entryHash.update(b)) : undefined;
    // Without return(), a sink that stops early (break) leaves the rest here to be drained and hashed.
    const data = pieces && { [Symbol.asyncIterator]: () => ({ next: () => pieces.next() }) };
    await sink.entry(header, data);
    if (pieces) for (let r = await pieces.next(); !r.done; r = await pieces.next());
    const trailer = await cursor.exactly(trailerBytes);
    if (!trailer.equals(entryHash.digest())) throw new SnapshotCorruptError(name, `checksum mismatch in ${header.type} entry ${'path' in header ? header.path : ''}`);
    if (header.type === 'end') break;
  }
  if (!(await cursor.atEnd())) throw new SnapshotCorruptError(name, 'bytes after the end entry');
  return appliedIndex!;
}

/** Pull-style reading of exact byte counts from a stream of buffers. */
class ByteCursor {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private ended = false;

  constructor(private readonly it: AsyncIterator<Uint8Array>, private readonly name: string, private readonly onConsumed: (b: Buffer) => void) {}

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.it.next();
    if (next.done) { this.ended = true; return false; }
    const b = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    if (b.length) { this.buffered.push(b); this.bufferedBytes += b.length; }
    return true;
  }

  /** Up to `max` bytes from what is buffered (filling once if empty); throws at a premature end. */
  private async piece(max: number): Promise<Buffer> {
    while (this.bufferedBytes === 0) {
      if (!(await this.fill())) throw new SnapshotCorruptError(this.name, 'archive is truncated');
    }
    const first = this.buffered[0]!;
    const piece = first.length <= max ? first : first.subarray(0, max);
    if (piece === first) this.buffered.shift(); else this.buffered[0] = first.subarray(max);
    this.bufferedBytes -= piece.length;
    this.onConsumed(piece);
    return piece;
  }

  async exactly(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (let got = 0; got < n;) { const p = await this.piece(n - got); parts.push(p); got += p.length; }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  async *take(n: number, onPiece: (b: Buffer) => void): AsyncGenerator<Buffer> {
    for (let got = 0; got < n;) { const p = await this.piece(n - got); onPiece(p); got += p.length; yield p; }
  }

  async atEnd(): Promise<boolean> {
    while (this.bufferedBytes === 0) if (!(await this.fill())) return true;
    return false;
  }
}
