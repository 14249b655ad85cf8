import { WireFormatError } from './errors.js';

/**
 * Splits a TCP byte stream into frames: u32 length (big-endian) then `length` bytes. A length over
 * frameBytesMax is a protocol error (the caller closes the connection): it is never trusted to
 * allocate memory. Chunks are kept as a list and joined only when a frame spans several.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly frameBytesMax: number) {}

  /** Adds received bytes; returns every frame now complete (each a Buffer with the prefix removed). */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const length = this.peekLength();
      if (length > this.frameBytesMax) throw new WireFormatError(`frame of ${length} bytes is over the ${this.frameBytesMax} limit`);
      if (this.buffered < 4 + length) break;
      frames.push(this.take(4 + length).subarray(4));
    }
    return frames;
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32BE(0);
    return this.take(4, true).readUInt32BE(0);
  }

  /** Removes (or with peek, only joins) the first n buffered bytes. */
  private take(n: number, peek = false): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (!peek) {
        if (first.length === n) this.chunks.shift();
        else this.chunks[0] = first.subarray(n);
      }
    } else {
      const joined = Buffer.concat(this.chunks, this.buffered);
      out = joined.subarray(0, n);
      this.chunks = joined.length > n || peek ? [peek ? joined : joined.subarray(n)] : [];
    }
    if (!peek) this.buffered -= n;
    return out;
  }
}
