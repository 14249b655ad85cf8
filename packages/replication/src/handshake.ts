import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { BinaryReader } from './binary-reader.js';
import { BinaryWriter } from './binary-writer.js';
import { AuthenticationError, WireFormatError } from './errors.js';
import { FrameReader } from './frame-reader.js';
import { FrameKind, SecureConnection } from './secure-connection.js';

/**
 * Mutual authentication of two members by a shared cluster secret, then session keys.
 *
 *   client -> server  hello:     magic "TNDM", version, clientNonce(32), clientId, expected serverId
 *   server -> client  challenge: serverNonce(32), serverId, HMAC(secret, "server" | transcript)
 *   client -> server  proof:     HMAC(secret, "client" | transcript)
 *   server -> client  welcome (first sealed frame)
 *
 * transcript = clientNonce | serverNonce | clientId | serverId. Fresh nonces from both sides make
 * every proof single-use (no replay), the role labels stop a proof from being reflected back, and
 * the client checks the server's proof before it proves anything itself. The session keys are
 * HKDF-SHA256(secret, salt = both nonces, info = ids), one key per direction. A process without
 * the secret can neither complete the handshake nor forge a frame afterwards.
 */
const magic = Buffer.from('TNDM');
const protocolVersion = 1;
const nonceBytes = 32;

export interface HandshakeOptions {
  secret: Uint8Array;
  localId: string;
  frameBytesMax: number;
  timeoutMs: number;
}

/** Client side: connects as `localId` to the member expected to be `serverId`. */
export async function clientHandshake(socket: Socket, serverId: string, options: HandshakeOptions): Promise<{ connection: SecureConnection; pending: Buffer[] }> {
  const io = new HandshakeIo(socket, options);
  try {
    const clientNonce = randomBytes(nonceBytes);
    io.sendPlain(new BinaryWriter().bytes(magic).u8(protocolVersion).bytes(clientNonce).str(options.localId).str(serverId).finish());
    const challenge = new BinaryReader(await io.next());
    const serverNonce = Buffer.from(challenge.bytes());
    const claimedId = challenge.str();
    const serverProof = challenge.bytes();
    challenge.end();
    if (serverNonce.length !== nonceBytes) throw new WireFormatError('bad server nonce');
    if (claimedId !== serverId) throw new AuthenticationError(`expected member ${serverId}, reached ${claimedId}`);
    const transcript = transcriptOf(clientNonce, serverNonce, options.localId, serverId);
    if (!macEquals(serverProof, proof(options.secret, 'server', transcript))) {
      throw new AuthenticationError(`member ${serverId} does not know the cluster secret`);
    }
    io.sendPlain([proof(options.secret, 'client', transcript)]);
    const keys = sessionKeys(options.secret, clientNonce, serverNonce, options.localId, serverId);
    const connection = new SecureConnection(socket, io.reader, keys.clientToServer, keys.serverToClient, serverId);
    // The welcome is the first sealed frame: opening it proves the server derived the same keys.
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
    const clientNonce = Buffer.from(hello.bytes());
    const clientId = hello.str();
    const expected = hello.str();
    hello.end();
    if (clientNonce.length !== nonceBytes) throw new WireFormatError('bad client nonce');
    if (expected !== options.localId) throw new AuthenticationError(`client expected member ${expected}, this is ${options.localId}`);
    if (!isKnownPeer(clientId) || clientId === options.localId) throw new AuthenticationError(`unknown member ${clientId}`);
    const serverNonce = randomBytes(nonceBytes);
    const transcript = transcriptOf(clientNonce, serverNonce, clientId, options.localId);
    io.sendPlain(new BinaryWriter().bytes(serverNonce).str(options.localId).bytes(proof(options.secret, 'server', transcript)).finish());
    const clientProof = await io.next();
    if (!macEquals(clientProof, proof(options.secret, 'client', transcript))) {
      throw new AuthenticationError(`member ${clientId} does not know the cluster secret`);
    }
    const keys = sessionKeys(options.secret, clientNonce, serverNonce, clientId, options.localId);
    const connection = new SecureConnection(socket, io.reader, keys.serverToClient, keys.clientToServer, clientId);
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

  constructor(private readonly socket: Socket, options: HandshakeOptions) {
    this.reader = new FrameReader(options.frameBytesMax);
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
    this.socket.destroy();
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

function transcriptOf(clientNonce: Buffer, serverNonce: Buffer, clientId: string, serverId: string): Buffer {
  return Buffer.concat(new BinaryWriter().bytes(clientNonce).bytes(serverNonce).str(clientId).str(serverId).finish());
}

function proof(secret: Uint8Array, role: 'client' | 'server', transcript: Buffer): Buffer {
  return createHmac('sha256', secret).update(`tandem-raft-v1 ${role}`).update(transcript).digest();
}

function macEquals(a: Uint8Array, b: Buffer): boolean {
  return a.byteLength === b.length && timingSafeEqual(a, b);
}

function sessionKeys(secret: Uint8Array, clientNonce: Buffer, serverNonce: Buffer, clientId: string, serverId: string): { clientToServer: Buffer; serverToClient: Buffer } {
  const info = Buffer.concat(new BinaryWriter().str('tandem-raft-v1 keys').str(clientId).str(serverId).finish());
  const okm = Buffer.from(hkdfSync('sha256', secret, Buffer.concat([clientNonce, serverNonce]), info, 64));
  return { clientToServer: okm.subarray(0, 32), serverToClient: okm.subarray(32) };
}
