import { connect } from 'node:net';
import { clientHandshake, type HandshakeOptions } from './handshake.js';
import { FrameKind, SecureConnection } from './secure-connection.js';

/**
 * The outbound link to one peer: this member's messages to it travel here, over one authenticated
 * connection at a time, to one of the peer's addresses (DESIGN §2: redundant heartbeat links).
 *
 *  - Failover: a link that errors, closes, or hears no pong for linkTimeoutMs is dropped and the
 *    next address is tried; after a full round of failures the retry delay doubles (capped).
 *  - Preference: while on a later address, the first one is probed every primaryProbeIntervalMs;
 *    once a probe completes its handshake, traffic moves back to it.
 *  - Bounded memory: a send that would push the bytes waiting on the socket past inflightBytesMax is
 *    refused (the caller drops the message and reports the peer unreachable to the core, which
 *    slows down to probing); nothing queues while no connection is up. Raft retransmits.
 */
export interface PeerAddress {
  host: string;
  port: number;
}

export interface PeerLinkOptions extends HandshakeOptions {
  inflightBytesMax: number;
  pingIntervalMs: number;
  linkTimeoutMs: number;
  primaryProbeIntervalMs: number;
  reconnectDelayMsMax: number;
}

export interface PeerLinkEvents {
  /** A control frame (pong, snapshot ack) the peer sent back on this link. */
  onFrame(kind: number, body: Buffer): void;
  /** The link came up or went down (for status and logging). */
  onState(up: boolean, address: PeerAddress, error: Error | undefined): void;
}

export interface PeerLinkStatus {
  up: boolean;
  addressIndex: number;
  address: PeerAddress;
  queuedBytes: number;
  /** Times traffic moved to another address (after a failure or back to the first). */
  switches: number;
  /** Sends refused because the link was down or over its in-flight budget. */
  drops: number;
  /** Why the link last failed (dial, handshake or connection), while it is down; undefined once up. */
  error: string | undefined;
}

export class PeerLink {
  private current: SecureConnection | undefined;
  private addressIndex = 0;
  private dialing = false;
  private probing = false;
  private failuresInRound = 0;
  private retryDelayMs = 0;
  private lastHeardMs = 0;
  private switches = 0;
  private drops = 0;
  private lastError: string | undefined;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pingTimer: NodeJS.Timeout;
  private probeTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly peerId: string,
    private addresses: PeerAddress[],
    private readonly options: PeerLinkOptions,
    private readonly events: PeerLinkEvents,
  ) {
    if (addresses.length === 0) throw new RangeError(`peer ${peerId} has no address`);
    this.pingTimer = setInterval(() => this.keepAlive(), options.pingIntervalMs);
    this.dial();
  }

  get isUp(): boolean {
    return this.current?.isOpen === true;
  }

  status(): PeerLinkStatus {
    return {
      up: this.isUp, addressIndex: this.addressIndex, address: this.addresses[this.addressIndex]!,
      queuedBytes: this.current?.queuedBytes ?? 0, switches: this.switches, drops: this.drops,
      error: this.isUp ? undefined : this.lastError,
    };
  }

  /** Sends one frame if the link is up and within budget; false means dropped. */
  send(kind: number, parts: readonly Uint8Array[]): boolean {
    const conn = this.current;
    let size = 0;
    for (const p of parts) size += p.byteLength;
    if (conn === undefined || !conn.isOpen || conn.queuedBytes + size > this.options.inflightBytesMax) {
      this.drops++;
      return false;
    }
    conn.send(kind, parts);
    return true;
  }

  /** New addresses (membership change); the link re-dials from the first. */
  setAddresses(addresses: PeerAddress[]): void {
    if (addresses.length === 0) throw new RangeError(`peer ${this.peerId} has no address`);
    const old = this.current;
    this.current = undefined;
    old?.close();
    this.addresses = addresses;
    this.addressIndex = 0;
    this.failuresInRound = 0;
    this.dial();
  }

  get addressList(): readonly PeerAddress[] {
    return this.addresses;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.pingTimer);
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer);
    for (const t of this.timers) clearTimeout(t);
    this.current?.close();
    this.current = undefined;
  }

  private dial(): void {
    if (this.closed || this.dialing || this.isUp) return;
    this.dialing = true;
    const index = this.addressIndex;
    void this.open(index).then((conn) => {
      this.dialing = false;
      if (this.closed) return conn.close();
      this.failuresInRound = 0;
      this.retryDelayMs = 0;
      this.adopt(conn, index);
    }, (error: Error) => {
      this.dialing = false;
      this.lastError = error.message;
      this.events.onState(false, this.addresses[index]!, error);
      this.failedAt(index);
    });
  }

  /** Connects and authenticates to addresses[index]; the connection is not yet in use. */
  private async open(index: number): Promise<SecureConnection> {
    const address = this.addresses[index]!;
    const socket = connect({ host: address.host, port: address.port });
    socket.setNoDelay(true);
    const { connection, pending } = await clientHandshake(socket, this.peerId, this.options);
    connection.attach({
      onFrame: (kind, body) => {
        this.lastHeardMs = performance.now();
        if (kind !== FrameKind.pong) this.events.onFrame(kind, body);
      },
      onClose: (error) => {
        if (this.current === connection) this.linkDown(error);
      },
    }, pending);
    return connection;
  }

  private adopt(conn: SecureConnection, index: number): void {
    const old = this.current;
    if (old !== undefined && index !== this.addressIndex) this.switches++;
    this.current = conn;
    this.addressIndex = index;
    this.lastHeardMs = performance.now();
    old?.close();
    this.events.onState(true, this.addresses[index]!, undefined);
    this.updateProbe();
  }

  private linkDown(error: Error | undefined): void {
    const index = this.addressIndex;
    this.current = undefined;
    this.lastError = error?.message ?? 'connection closed';
    this.events.onState(false, this.addresses[index]!, error);
    this.failedAt(index);
  }

  /** Moves on to the next address; after a full round of failures, waits before the next round. */
  private failedAt(index: number): void {
    if (this.closed) return;
    this.failuresInRound++;
    if (this.addresses.length > 1) this.switches++;
    this.addressIndex = (index + 1) % this.addresses.length;
    if (this.failuresInRound >= this.addresses.length) {
      this.failuresInRound = 0;
      this.retryDelayMs = Math.min(this.options.reconnectDelayMsMax, Math.max(20, this.retryDelayMs * 2));
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.dial();
    }, this.failuresInRound === 0 ? this.retryDelayMs : 0);
    this.timers.add(timer);
    this.updateProbe();
  }

  /** Pings an idle link; a link that has heard nothing for linkTimeoutMs is declared dead. */
  private keepAlive(): void {
    const conn = this.current;
    if (conn === undefined || !conn.isOpen) return;
    if (performance.now() - this.lastHeardMs > this.options.linkTimeoutMs) {
      conn.close(new Error(`no answer from ${this.peerId} within ${this.options.linkTimeoutMs} ms`));
      return;
    }
    conn.send(FrameKind.ping, []);
  }

  /** Runs the probe of the first address exactly while traffic uses a later one. */
  private updateProbe(): void {
    const wanted = !this.closed && this.isUp && this.addressIndex !== 0;
    if (wanted && this.probeTimer === undefined) {
      this.probeTimer = setInterval(() => this.probePrimary(), this.options.primaryProbeIntervalMs);
    } else if (!wanted && this.probeTimer !== undefined) {
      clearInterval(this.probeTimer);
      this.probeTimer = undefined;
    }
  }

  private probePrimary(): void {
    if (this.probing || this.closed || this.addressIndex === 0) return;
    this.probing = true;
    void this.open(0).then((conn) => {
      this.probing = false;
      if (this.closed || this.addressIndex === 0) return conn.close();
      this.adopt(conn, 0);
    }, () => {
      this.probing = false;
    });
  }
}
