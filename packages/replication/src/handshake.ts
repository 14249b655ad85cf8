import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { BinaryReader } from './binary-reader.js';
import { BinaryWriter } from './binary-writer.js';
import { AuthenticationError, LinkProtectionMismatchError, WireFormatError } from './errors.js';
import { FrameReader } from './frame-reader.js';
import { FrameKind, SecureConnection, type LinkProtection } from './secure-connection.js';

/**
 * Mutual authentication of two members by a shared cluster secret, then session keys.
 *
 *   client -> server  hello:     magic "TNDM", version, protection, clientNonce(32), clientId, expected serverId
 *   server -> client  challenge: serverNonce(32), serverId, protection, HMAC(secret, "server" | transcript)
 *   client -> server  proof:     HMAC(secret, "client" | transcript)
 *   server -> client  welcome (the first protected frame, secure-connection.ts)
 *
 * transcript = clientNonce | serverNonce | clientId | serverId | protection. Fresh nonces from both
 * sides make every proof single-use (no replay), the role labels stop a proof from being reflected
 * back, and the client checks the server's proof before it proves anything itself. The session keys
 * are HKDF-SHA256 (RFC 5869) from the secret, salt = both nonces, info = protection and ids: one key
 * per direction, per connection and per protection. A process without the secret can neither
 * complete the handshake nor forge, alter or replay a frame afterwards.
 *
 * The protection (cluster.linkProtection: `encrypt` or `authenticate`, secure-connection.ts) is
 * configured, never negotiated: each side puts its own into the transcript and the keys, so two
 * members configured differently can never agree on a proof or a key, and no one on the path can
 * talk them down to clear frames. Each side also announces it, so that such a pair fails with a
 * LinkProtectionMismatchError naming both settings instead of a puzzling "wrong secret": the client
 * after checking the server's proof against the server's announced protection, the server on the
 * client's hello (after answering it, so that the client learns why).
 * Version 2 (version 1 always encrypted, and did not bind the protection).
 */
const magic = Buffer.from('TNDM');
export const protocolVersion = 2;
const nonceBytes = 32;

/** The protection's byte in the hello and the challenge (and the transcript). */
export const protectionCodes: Record<LinkProtection, number> = { encrypt: 1, authenticate: 2 };

export interface HandshakeOptions {
  secret: Uint8Array;
  /** How frames are protected after the handshake; must be the same on both sides. */
  linkProtection: LinkProtection;
  localId: string;
  frameBytesMax: number;
  timeoutMs: number;
}

/** Client side: connects as `localId` to the member expected to be `serverId`. */
export async function clientHandshake(socket: Socket, serverId: string, options: HandshakeOptions): Promise<{ connection: SecureConnection; pending: Buffer[] }> {
  const io = new HandshakeIo(socket, options);
  try {
    const clientNonce = randomBytes(nonceBytes);
    const own = options.linkProtection;
    io.sendPlain(new BinaryWriter().bytes(magic).u8(protocolVersion).u8(protectionCodes[own]).bytes(clientNonce)
      .str(options.localId).str(serverId).finish());
    const challenge = new BinaryReader(await io.next());
    const serverNonce = Buffer.from(challenge.bytes());
    const claimedId = challenge.str();
    const serverCode = challenge.u8();
    const serverProof = challenge.bytes();
    challenge.end();
    if (serverNonce.length !== nonceBytes) throw new WireFormatError('bad server nonce');
    if (claimedId !== serverId) throw new AuthenticationError(`expected member ${serverId}, reached ${claimedId}`);
    // The server's proof covers the protection it announced: a mismatch reported below is the
    // server's own word, not something changed on the way.
    const transcript = transcriptOf(clientNonce, serverNonce, options.localId, serverId, serverCode);
    if (!macEquals(serverProof, proof(options.secret, 'server', transcript))) {
      throw new AuthenticationError(`member ${serverId} does not know the cluster secret`);
    }
    if (serverCode !== protectionCodes[own]) throw new LinkProtectionMismatchError(serverId, own, protectionOf(serverCode));
    io.sendPlain([proof(options.secret, 'client', transcript)]);
    const keys = sessionKeys(options.secret, own, clientNonce, serverNonce, options.localId, serverId);
    const connection = new SecureConnection(socket, io.reader, keys.clientToServer, keys.serverToClient, serverId, own);
    // The welcome is the first protected frame: its tag proves the server derived the same keys.
    const welcome = connection.openFrame(await io.next());
    if (welcome.kind !== FrameKind.welcome) throw new AuthenticationError(`member ${serverId} sent no valid welcome`);
    const pending = io.drain();
    return { connection, pending };
  } catch (e) {
    io.fail();
    throw e;
  } finally {
    io.stop();
  }
}

/** Server side: authenticates whoever connected; `isKnownPeer` refuses ids outside the membership. */
export async function serverHandshake(socket: Socket, isKnownPeer: (id: string) => boolean, options: HandshakeOptions): Promise<{ connection: SecureConnection; pending: Buffer[] }> {
  const io = new HandshakeIo(socket, options);
  try {
    const hello = new BinaryReader(await io.next());
    const m = hello.bytes();
    const version = hello.u8();
    if (!magic.equals(m) || version !== protocolVersion) throw new WireFormatError(`not a tandem raft client (version ${version})`);
    const clientCode = hello.u8();
    const clientNonce = Buffer.from(hello.bytes());
    const clientId = hello.str();
    const expected = hello.str();
    hello.end();
    if (clientNonce.length !== nonceBytes) throw new WireFormatError('bad client nonce');
    if (expected !== options.localId) throw new AuthenticationError(`client expected member ${expected}, this is ${options.localId}`);
    if (!isKnownPeer(clientId) || clientId === options.localId) throw new AuthenticationError(`unknown member ${clientId}`);
    const own = options.linkProtection;
    const serverNonce = randomBytes(nonceBytes);
    const transcript = transcriptOf(clientNonce, serverNonce, clientId, options.localId, protectionCodes[own]);
    io.sendPlain(new BinaryWriter().bytes(serverNonce).str(options.localId).u8(protectionCodes[own])
      .bytes(proof(options.secret, 'server', transcript)).finish());
    if (clientCode !== protectionCodes[own]) {
      // Answered first, so the client can check our proof and report the mismatch on its side too.
      io.endAfterWrites();
      throw new LinkProtectionMismatchError(clientId, own, protectionOf(clientCode));
    }
    const clientProof = await io.next();
    if (!macEquals(clientProof, proof(options.secret, 'client', transcript))) {
      throw new AuthenticationError(`member ${clientId} does not know the cluster secret`);
    }
    const keys = sessionKeys(options.secret, own, clientNonce, serverNonce, clientId, options.localId);
    const connection = new SecureConnection(socket, io.reader, keys.serverToClient, keys.clientToServer, clientId, own);
    connection.send(FrameKind.welcome, []);
    return { connection, pending: io.drain() };
  } catch (e) {
    io.fail();
    throw e;
  } finally {
    io.stop();
  }
}

/** Frame-level I/O during the handshake, with one deadline for the whole exchange. */
class HandshakeIo {
  readonly reader: FrameReader;
  private frames: Buffer[] = [];
  private waiter: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly onData = (chunk: Buffer): void => {
    try {
      this.frames.push(...this.reader.push(chunk));
    } catch (e) {
      this.failure = e as Error;
    }
    this.wake();
  };
  private readonly onClose = (): void => this.onEnd();
  private readonly onEnd = (e?: Error): void => {
    this.failure ??= e ?? new AuthenticationError('connection closed during handshake');
    this.wake();
  };

  private ending = false;

  constructor(private readonly socket: Socket, options: HandshakeOptions) {
    // Large frames in shared memory only pay off when their bodies are used in place (authenticate).
    this.reader = new FrameReader(options.frameBytesMax, { sharedFrames: options.linkProtection === 'authenticate' });
    socket.on('data', this.onData);
    socket.on('error', this.onEnd);
    socket.on('close', this.onClose);
    this.timer = setTimeout(() => this.onEnd(new AuthenticationError(`handshake not done within ${options.timeoutMs} ms`)), options.timeoutMs);
  }

  sendPlain(parts: Uint8Array[]): void {
    let n = 0;
    for (const p of parts) n += p.byteLength;
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32BE(n, 0);
    this.socket.write(Buffer.concat([header, ...parts]));
  }

  next(): Promise<Buffer> {
    const frame = this.frames.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }

  /** Frames already received after the handshake's last one (the peer may have sent early). */
  drain(): Buffer[] {
    return this.frames.splice(0);
  }

  fail(): void {
    if (!this.ending) this.socket.destroy();
  }

  /** Closes after what was written has gone out (a FIN, not a reset that could discard it); fail() then leaves the socket alone. */
  endAfterWrites(): void {
    this.ending = true;
    this.socket.on('error', () => undefined); // stop() removes ours; a late reset must not go unhandled
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }

  /** Ends the handshake's use of the socket; it stays paused until SecureConnection.attach() resumes it. */
  stop(): void {
    this.socket.pause();
    clearTimeout(this.timer);
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onEnd);
    this.socket.off('close', this.onClose);
  }

  private wake(): void {
    const w = this.waiter;
    if (w === undefined) return;
    const frame = this.frames.shift();
    if (frame !== undefined) {
      this.waiter = undefined;
      w.resolve(frame);
    } else if (this.failure !== undefined) {
      this.waiter = undefined;
      w.reject(this.failure);
    }
  }
}

function protectionOf(code: number): LinkProtection | string {
  for (const [name, c] of Object.entries(protectionCodes)) if (c === code) return name;
  return `code ${code}`;
}

function transcriptOf(clientNonce: Buffer, serverNonce: Buffer, clientId: string, serverId: string, protectionCode: number): Buffer {
  return Buffer.concat(new BinaryWriter().bytes(clientNonce).bytes(serverNonce).str(clientId).str(serverId).u8(protectionCode).finish());
}

function proof(secret: Uint8Array, role: 'client' | 'server', transcript: Buffer): Buffer {
  return createHmac('sha256', secret).update(`tandem-raft-v2 ${role}`).update(transcript).digest();
}

function macEquals(a: Uint8Array, b: Buffer): boolean {
  return a.byteLength === b.length && timingSafeEqual(a, b);
}

function sessionKeys(secret: Uint8Array, protection: LinkProtection, clientNonce: Buffer, serverNonce: Buffer, clientId: string, serverId: string): { clientToServer: Buffer; serverToClient: Buffer } {
  // RFC 5869 §3.2: info binds the keys to their use; a key for one protection is never one for the other.
  const info = Buffer.concat(new BinaryWriter().str(`tandem-raft-v2 ${protection} keys`).str(clientId).str(serverId).finish());
  const okm = Buffer.from(hkdfSync('sha256', secret, Buffer.concat([clientNonce, serverNonce]), info, 64));
  return { clientToServer: okm.subarray(0, 32), serverToClient: okm.subarray(32) };
}
