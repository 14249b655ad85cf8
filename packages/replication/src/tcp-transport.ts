import { createServer, type Server, type Socket } from 'node:net';
import type { Message, NodeId } from '@tandem/raft';
import { AuthenticationError } from './errors.js';
import { serverHandshake } from './handshake.js';
import { decodeMessageBatch, encodeMessageBatch } from './message-codec.js';
import { PeerLink, type PeerAddress, type PeerLinkOptions, type PeerLinkStatus } from './peer-link.js';
import { replicationLimits } from './replication-limits.js';
import { FrameKind, linkProtections, type LinkProtection, type SecureConnection } from './secure-connection.js';

/**
 * Raft messages between members over TCP, authenticated with the cluster secret (handshake.ts)
 * and protected per frame (secure-connection.ts: encrypted, or with linkProtection "authenticate"
 * only authenticated). Each member dials every peer (PeerLink: its
 * outbound messages) and accepts the peers' links (their messages to it). All messages for one
 * peer from one send() call go out as ONE frame (batching); frames are pipelined on the stream
 * without waiting for answers, within the link's in-flight byte budget.
 */
export interface TcpTransportOptions {
  id: NodeId;
  listen: PeerAddress;
  peers: Record<NodeId, PeerAddress[]>;
  /** The cluster secret (at least 16 bytes). */
  secret: Uint8Array;
  /** Frame protection, the same on every member (default "encrypt"); a peer set differently is refused in the handshake. */
  linkProtection?: LinkProtection;
  inflightBytesMax?: number;
  frameBytesMax?: number;
  handshakeTimeoutMs?: number;
  pingIntervalMs?: number;
  linkTimeoutMs?: number;
  primaryProbeIntervalMs?: number;
  reconnectDelayMsMax?: number;
}

export interface TransportHandler {
  onMessages(messages: Message[]): void;
  /** A message to this peer was dropped (link down or over budget): the core should slow down. */
  onUnreachable(peerId: NodeId): void;
  /** A snapshot offer/chunk from a peer; `reply` answers on the same connection. */
  onSnapshotFrame(from: NodeId, kind: number, body: Buffer, reply: (kind: number, parts: Uint8Array[]) => void): void;
  /** A snapshot ack that came back on this member's outbound link to `from`. */
  onSnapshotAck(from: NodeId, body: Buffer): void;
  /** Optional: an outbound link came up or went down (status, logs, tests). */
  onLinkState?(peerId: NodeId, up: boolean, address: PeerAddress, error: Error | undefined): void;
  /** Optional: an inbound connection was refused in the handshake (logs, tests). */
  onHandshakeRefused?(error: Error): void;
}

export interface TransportStats {
  framesSent: number;
  messagesSent: number;
  messagesDropped: number;
  messagesReceived: number;
  /** Inbound connections refused in the handshake (wrong secret, unknown member, other link protection). */
  handshakesRefused: number;
  /** Connections closed because a frame failed its integrity check. */
  framesRejected: number;
  /** Messages whose from/to did not match the authenticated connection. */
  messagesMisaddressed: number;
}

export class TcpTransport {
  readonly stats: TransportStats = {
    framesSent: 0, messagesSent: 0, messagesDropped: 0, messagesReceived: 0,
    handshakesRefused: 0, framesRejected: 0, messagesMisaddressed: 0,
  };
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly inbound = new Set<SecureConnection>();
  private readonly sockets = new Set<Socket>();
  private closed = false;

  private constructor(
    private readonly options: Required<TcpTransportOptions>,
    private readonly server: Server,
    readonly port: number,
    private readonly handler: TransportHandler,
  ) {}

  /** Listens on options.listen (port 0: the OS picks) and starts dialing every peer. */
  static async start(input: TcpTransportOptions, handler: TransportHandler): Promise<TcpTransport> {
    if (input.secret.byteLength < 16) throw new RangeError('the cluster secret must be at least 16 bytes');
    const options: Required<TcpTransportOptions> = {
      inflightBytesMax: replicationLimits.peerInflightBytesMax,
      frameBytesMax: replicationLimits.frameBytesMax,
      handshakeTimeoutMs: replicationLimits.handshakeTimeoutMs,
      pingIntervalMs: 100,
      linkTimeoutMs: 500,
      primaryProbeIntervalMs: 500,
      reconnectDelayMsMax: 500,
      ...input,
      linkProtection: input.linkProtection ?? 'encrypt',
    };
    if (!linkProtections.includes(options.linkProtection)) {
      throw new RangeError(`linkProtection must be one of ${linkProtections.join(', ')}, got ${JSON.stringify(options.linkProtection)}`);
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listen.port, options.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.listen.port;
    const transport = new TcpTransport(options, server, port, handler);
    server.on('connection', (socket) => transport.accept(socket));
    transport.setPeers(options.peers);
    return transport;
  }

  /** Sends messages, one frame per destination. Dropped messages are reported through onUnreachable. */
  send(messages: readonly Message[]): void {
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of messages) {
      const list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, [m]);
      else list.push(m);
    }
    for (const [to, list] of byPeer) {
      if (this.sendFrame(to, FrameKind.messages, encodeMessageBatch(list))) {
        this.stats.messagesSent += list.length;
      } else {
        this.stats.messagesDropped += list.length;
        this.handler.onUnreachable(to);
      }
    }
  }

  /** Sends one frame on the link to `to`; false when dropped (no link, or over the in-flight budget). */
  sendFrame(to: NodeId, kind: number, parts: readonly Uint8Array[]): boolean {
    const link = this.links.get(to);
    if (link === undefined || this.closed) return false;
    const sent = link.send(kind, parts);
    if (sent) this.stats.framesSent++;
    return sent;
  }

  /** Sets the peers (membership change): new ones are dialed, removed ones closed, changed addresses re-dialed. */
  setPeers(peers: Record<NodeId, PeerAddress[]>): void {
    for (const [id, link] of this.links) {
      if (!(id in peers)) {
        link.close();
        this.links.delete(id);
      }
    }
    for (const [id, addresses] of Object.entries(peers)) {
      if (id === this.options.id) continue;
      const link = this.links.get(id);
      if (link === undefined) {
        this.links.set(id, new PeerLink(id, addresses, this.linkOptions, {
          onFrame: (kind, body) => {
            if (kind === FrameKind.snapshotAck) this.handler.onSnapshotAck(id, body);
          },
          onState: (up, address, error) => this.handler.onLinkState?.(id, up, address, error),
        }));
      } else if (JSON.stringify(link.addressList) !== JSON.stringify(addresses)) {
        link.setAddresses(addresses);
      }
    }
    this.options.peers = peers;
  }

  private get linkOptions(): PeerLinkOptions {
    const o = this.options;
    return { ...o, localId: o.id, timeoutMs: o.handshakeTimeoutMs };
  }

  linkStatus(): Record<NodeId, PeerLinkStatus> {
    const out: Record<NodeId, PeerLinkStatus> = {};
    for (const [id, link] of this.links) out[id] = link.status();
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const link of this.links.values()) link.close();
    for (const conn of this.inbound) conn.close();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const isKnownPeer = (id: string): boolean => id in this.options.peers;
    serverHandshake(socket, isKnownPeer, this.linkOptions).then(({ connection, pending }) => {
      this.inbound.add(connection);
      connection.attach({
        onFrame: (kind, body) => this.receive(connection, kind, body),
        onClose: (error) => {
          this.inbound.delete(connection);
          if (error instanceof AuthenticationError) this.stats.framesRejected++;
        },
      }, pending);
    }, (error: Error) => {
      this.stats.handshakesRefused++;
      this.handler.onHandshakeRefused?.(error);
    });
  }

  private receive(conn: SecureConnection, kind: number, body: Buffer): void {
    const from = conn.peerId;
    switch (kind) {
      case FrameKind.messages: {
        const messages = decodeMessageBatch(body).filter((m) => {
          const ok = m.from === from && m.to === this.options.id;
          if (!ok) this.stats.messagesMisaddressed++;
          return ok;
        });
        this.stats.messagesReceived += messages.length;
        if (messages.length > 0) this.handler.onMessages(messages);
        return;
      }
      case FrameKind.ping:
        conn.send(FrameKind.pong, []);
        return;
      case FrameKind.snapshotOffer:
      case FrameKind.snapshotChunk:
        this.handler.onSnapshotFrame(from, kind, body, (k, parts) => conn.send(k, parts));
        return;
      default:
        return;
    }
  }
}
