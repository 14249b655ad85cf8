import { WireFormatError } from './errors.js';

/**
 * Splits a TCP byte stream into frames: u32 length (big-endian) then `length` bytes. A length over
 * frameBytesMax is a protocol error (the caller closes the connection): it is never trusted to
 * allocate memory. Chunks are kept as a list until a frame is complete (memory held is what was
 * received, never what a length claims); a frame inside one chunk is a view into it, a frame that
 * spans chunks is copied once into a buffer of its exact size.
 *
 * With `sharedFrames` (links that only authenticate, secure-connection.ts) that buffer is shared
 * memory when the frame is large: entry bytes decoded from it are views into it, and views into
 * shared memory go to the host thread by reference (packed-payloads.ts) instead of being copied
 * there once more. Encrypted frames are not: their bodies are the decipher's new buffers anyway.
 * Nothing writes to a frame after it is returned.
 */
const sharedFrameBytesMin = 16 * 1024;

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  private readonly sharedFrames: boolean;

  constructor(private readonly frameBytesMax: number, options: { sharedFrames?: boolean } = {}) {
    this.sharedFrames = options.sharedFrames ?? true;
  }

  /** Adds received bytes; returns every frame now complete (each a Buffer with the prefix removed). */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    while (this.buffered >= 4) {
      const length = this.peekLength();
      if (length > this.frameBytesMax) throw new WireFormatError(`frame of ${length} bytes is over the ${this.frameBytesMax} limit`);
      if (this.buffered < 4 + length) break;
      this.skip(4);
      frames.push(this.take(length));
    }
    return frames;
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32BE(0);
    let value = 0;
    let k = 0;
    for (const c of this.chunks) {
      for (let i = 0; i < c.length && k < 4; i++, k++) value = value * 256 + c[i]!;
      if (k === 4) break;
    }
    return value;
  }

  private skip(n: number): void {
    let left = n;
    while (left > 0) {
      const first = this.chunks[0]!;
      if (first.length > left) {
        this.chunks[0] = first.subarray(left);
        break;
      }
      left -= first.length;
      this.chunks.shift();
    }
    this.buffered -= n;
  }

  /** Removes the first n buffered bytes (all of them buffered) and returns them as one buffer. */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = this.sharedFrames && n >= sharedFrameBytesMin ? Buffer.from(new SharedArrayBuffer(n)) : Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}
