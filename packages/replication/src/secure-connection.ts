import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { Socket } from 'node:net';
import { AuthenticationError, WireFormatError } from './errors.js';
import { FrameReader } from './frame-reader.js';

/**
 * An authenticated, encrypted connection between two members, after the handshake (handshake.ts).
 * Each frame: u32 length | AES-256-GCM(ciphertext of kind byte + body) | 16-byte tag. The length
 * prefix is the additional authenticated data; the nonce is a per-direction frame counter, so a
 * frame that is altered, replayed, dropped or reordered fails to open. A frame that fails to open
 * is dropped and the connection closed (the link reconnects with fresh keys): after one bad frame
 * the stream can no longer be trusted to be in step.
 */
export const FrameKind = {
  messages: 1,
  ping: 2,
  pong: 3,
  welcome: 4,
  snapshotOffer: 5,
  snapshotChunk: 6,
  snapshotAck: 7,
} as const;
export type FrameKindCode = (typeof FrameKind)[keyof typeof FrameKind];

const tagBytes = 16;
/** Parts at least this large are encrypted on their own instead of being copied into a run. */
const largePartBytes = 16 * 1024;

export interface SecureConnectionEvents {
  onFrame(kind: number, body: Buffer): void;
  onClose(error: Error | undefined): void;
}

export class SecureConnection {
  private sendCounter = 0n;
  private receiveCounter = 0n;
  private closed = false;
  private events: SecureConnectionEvents | undefined;

  constructor(
    readonly socket: Socket,
    private readonly reader: FrameReader,
    private readonly sendKey: Buffer,
    private readonly receiveKey: Buffer,
    readonly peerId: string,
  ) {}

  /** Starts delivering frames. `pending` are frames that arrived with the end of the handshake. */
  attach(events: SecureConnectionEvents, pending: Buffer[] = []): void {
    this.events = events;
    this.socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.reader.push(chunk)) this.receive(frame);
      } catch (e) {
        this.close(e as Error);
      }
    });
    this.socket.on('error', (e) => this.close(e));
    this.socket.on('close', () => this.close(undefined));
    this.socket.resume();
    try {
      for (const frame of pending) this.receive(frame);
    } catch (e) {
      this.close(e as Error);
    }
  }

  /** Bytes accepted by send() but not yet handed to the kernel. */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Seals and writes one frame; `parts` are concatenated (never copied before encryption). */
  send(kind: number, parts: readonly Uint8Array[]): void {
    if (this.closed) return;
    let plainBytes = 1;
    for (const p of parts) plainBytes += p.byteLength;
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32BE(plainBytes + tagBytes, 0);
    const cipher = createCipheriv('aes-256-gcm', this.sendKey, nonce(this.sendCounter++));
    cipher.setAAD(header);
    // Small parts (headers, small entries) are gathered so the cipher runs once per run of them;
    // large parts (big entries) go to the cipher as they are, saving a copy. Either way the socket
    // gets a handful of buffers, not one per field.
    const sealed: Buffer[] = [header];
    let run: Uint8Array[] = [Buffer.of(kind)];
    let runBytes = 1;
    const flushRun = (): void => {
      if (runBytes === 0) return;
      sealed.push(cipher.update(run.length === 1 ? run[0]! : Buffer.concat(run, runBytes)));
      run = [];
      runBytes = 0;
    };
    for (const p of parts) {
      if (p.byteLength >= largePartBytes) {
        flushRun();
        sealed.push(cipher.update(p));
      } else {
        run.push(p);
        runBytes += p.byteLength;
      }
    }
    flushRun();
    cipher.final();
    sealed.push(cipher.getAuthTag());
    this.socket.cork();
    for (const b of sealed) if (b.length > 0) this.socket.write(b);
    this.socket.uncork();
  }

  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.events?.onClose(error);
  }

  private receive(frame: Buffer): void {
    if (this.closed) return;
    const { kind, body } = this.openFrame(frame);
    this.events?.onFrame(kind, body);
  }

  /** Authenticates and decrypts the next frame in sequence; throws AuthenticationError if it was altered. */
  openFrame(frame: Buffer): { kind: number; body: Buffer } {
    if (frame.length < 1 + tagBytes) throw new WireFormatError('sealed frame too short');
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32BE(frame.length, 0);
    const decipher = createDecipheriv('aes-256-gcm', this.receiveKey, nonce(this.receiveCounter++));
    decipher.setAAD(header);
    decipher.setAuthTag(frame.subarray(frame.length - tagBytes));
    let plain: Buffer;
    try {
      plain = decipher.update(frame.subarray(0, frame.length - tagBytes));
      decipher.final(); // GCM: returns nothing; throws if the tag does not match
    } catch {
      throw new AuthenticationError(`frame from ${this.peerId} failed its integrity check; dropped`);
    }
    return { kind: plain[0]!, body: plain.subarray(1) };
  }
}

/** 96-bit GCM nonce from a 64-bit frame counter; keys differ per direction and per connection. */
function nonce(counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(counter, 4);
  return n;
}
