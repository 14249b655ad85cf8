/**
 * The IMAP server: two listeners (RFC 9051 §6.2.1 STARTTLS on 143, RFC 8314 implicit TLS on 993;
 * 2143 and 2993 in dev), the sessions, and what they share (change hub, message cache,
 * throttles). Built from the store's read side, the command log and TLS material:
 *
 *   const imap = new ImapServer({ reader: store, commandLog: log, tls: { key, cert },
 *     host: '0.0.0.0', ports: { imap: 143, imaps: 993 } });
 *   await imap.listen();  ...  await imap.close();   // close() says "* BYE" to every session
 *
 * Invariants: a session reaches only its own user's mailboxes (every store call carries the
 * session's user; names pass the store's validation); LOGIN/AUTHENTICATE need TLS except from
 * loopback with devLoopbackPlainAuth (DESIGN.md §7).
 */
import { createServer, Server as NetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { createSecureContext, Server as TlsServer, type TlsOptions } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { limits } from '@tandem/config';
import type { CommandLog } from '@tandem/store';
import { writeUntaggedStatus } from '../wire/response-encoder.js';
import { ResponseWriter } from '../wire/value-encoder.js';
import { AuthThrottle } from '@tandem/store';
import type { AuthThrottleLimits } from '@tandem/store';
import { ConnectionLimits } from './connection-limits.js';
import type { ImapLogger } from './imap-logger.js';
import { silentLogger } from './imap-logger.js';
import { MailboxChangeHub } from './mailbox-change-hub.js';
import { MessageCache } from './message-cache.js';
import { MessageSource } from './message-source.js';
import { RecentTracker } from './recent-tracker.js';
import type { ImapStoreReader, ServerContext, SessionTimeouts } from './server-context.js';
import { Session } from './session.js';
import type { ListenerKind } from './session.js';

export interface ImapServerOptions {
  /** The store's read side (a MailStore). */
  reader: ImapStoreReader;
  /** Every write goes through here (DESIGN.md §3). */
  commandLog: CommandLog;
  tls: { key: string | Buffer; cert: string | Buffer };
  /** Address to listen on, e.g. "0.0.0.0", the VIP, or "127.0.0.1" in tests. */
  host: string;
  /** 0 picks a free port (tests); null leaves that listener off. */
  ports: { imap: number | null; imaps: number | null };
  /** Dev mode: LOGIN/AUTHENTICATE without TLS from loopback clients. */
  devLoopbackPlainAuth?: boolean;
  logger?: ImapLogger;
  /** Name in the greeting (default "localhost"). */
  hostname?: string;
  /** The proposer's clock (commands carry its time); tests pass a fixed one. */
  nowMs?: () => number;
  authThrottle?: AuthThrottleLimits;
  /** Overrides of the session bounds (tests); defaults from limits.ts. */
  connectionLimits?: Partial<{ sessionsMax: number; sessionsPerIpMax: number; sessionsPerUserMax: number }>;
  /** Overrides of the session timers (tests); defaults from limits.ts. */
  timeouts?: Partial<SessionTimeouts>;
  /** Override of the per-session command rate (tests); defaults from limits.ts. */
  commandRate?: { perSecond: number; burst: number };
}

export class ImapServer {
  private readonly context: ServerContext;
  private readonly listeners = new Map<ListenerKind, NetServer>();
  private readonly sessions = new Set<Session>();
  private nextSessionId = 1;
  private closing = false;
  private tls: TlsOptions;

  constructor(private readonly options: ImapServerOptions) {
    this.tls = tlsOptions(options.tls);
    const messages = new MessageSource(new MessageCache(limits.imapMessageCacheEntriesMax, limits.imapMessageCacheBytesMax));
    const hub = new MailboxChangeHub(options.reader, (path) => messages.forget(path));
    this.context = {
      reader: options.reader,
      commandLog: options.commandLog,
      hub,
      recent: new RecentTracker(),
      messages,
      throttle: new AuthThrottle(options.authThrottle),
      connections: new ConnectionLimits({
        sessionsMax: options.connectionLimits?.sessionsMax ?? limits.imapSessionsMax,
        sessionsPerIpMax: options.connectionLimits?.sessionsPerIpMax ?? limits.imapSessionsPerIpMax,
        sessionsPerUserMax: options.connectionLimits?.sessionsPerUserMax ?? limits.imapSessionsPerUserMax,
      }),
      logger: options.logger ?? silentLogger,
      secureContext: createSecureContext(this.tls),
      devLoopbackPlainAuth: options.devLoopbackPlainAuth ?? false,
      nowMs: options.nowMs ?? Date.now,
      hostname: options.hostname ?? 'localhost',
      timeouts: {
        idleTimeoutMs: options.timeouts?.idleTimeoutMs ?? limits.imapIdleTimeoutMs,
        unauthenticatedIdleTimeoutMs: options.timeouts?.unauthenticatedIdleTimeoutMs ?? limits.imapUnauthenticatedIdleTimeoutMs,
        outputStallMs: options.timeouts?.outputStallMs ?? limits.imapOutputStallMs,
        idleKeepaliveMs: options.timeouts?.idleKeepaliveMs ?? limits.imapIdleKeepaliveMs,
      },
      commandRate: options.commandRate ?? { perSecond: limits.imapCommandsPerSecondMax, burst: limits.imapCommandBurstMax },
    };
  }

  /** Opens the listeners that have a port. */
  async listen(): Promise<void> {
    this.context.hub.attach();
    try {
      if (this.options.ports.imap !== null) await this.open('imap', this.options.ports.imap);
      if (this.options.ports.imaps !== null) await this.open('imaps', this.options.ports.imaps);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** The bound address of a listener (the real port when 0 was asked for). */
  address(kind: ListenerKind): { host: string; port: number } {
    const info = this.listeners.get(kind)?.address() as AddressInfo | null | undefined;
    if (!info) throw new Error(`IMAP ${kind} listener is not listening`);
    return { host: info.address, port: info.port };
  }

  /**
   * New TLS material (a renewed certificate) for new IMAPS connections and STARTTLS upgrades from
   * now on; sessions already in TLS keep what they negotiated. Throws, changing nothing, if the key
   * and certificate do not load.
   */
  updateTls(tls: ImapServerOptions['tls']): void {
    const options = tlsOptions(tls);
    const secureContext = createSecureContext(options);
    this.tls = options;
    this.context.secureContext = secureContext;
    for (const server of this.listeners.values()) if (server instanceof TlsServer) server.setSecureContext(options);
  }

  /** Sessions open now (tests and status). */
  get sessionCount(): number { return this.sessions.size; }

  /**
   * Stops accepting connections and ends every session with "* BYE" (RFC 9051 §7.1.5); sockets
   * that have not closed after limits.imapShutdownDrainMs are destroyed.
   */
  async close(): Promise<void> {
    this.closing = true;
    const stopped = [...this.listeners.values()].map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    this.listeners.clear();
    const sessions = [...this.sessions];
    for (const session of sessions) void session.bye('Server shutting down');
    const closed = Promise.all(sessions.map((s) => s.whenClosed()));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, limits.imapShutdownDrainMs); });
    await Promise.race([closed, timeout]);
    clearTimeout(timer);
    for (const session of this.sessions) session.destroy();
    await Promise.all(stopped);
    this.context.hub.detach();
  }

  private async open(kind: ListenerKind, port: number): Promise<void> {
    const server = kind === 'imaps'
      ? new TlsServer(this.tls, (socket) => this.accept(socket, kind))
      : createServer((socket) => this.accept(socket, kind));
    server.on('tlsClientError', (err: Error) => this.context.logger.debug({ err: err.message }, 'IMAP TLS handshake failed'));
    server.on('error', (err) => this.context.logger.warn({ listener: kind, err: err.message }, 'IMAP listener error'));
    this.listeners.set(kind, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private accept(socket: Socket | TLSSocket, kind: ListenerKind): void {
    const ip = socket.remoteAddress ?? 'unknown';
    const refusal = this.closing ? 'closing' : this.context.connections.openConnection(ip);
    if (refusal !== 'ok') {
      refuse(socket, refusal === 'ip' ? 'Too many connections from your address' : 'Too many connections; try again later', refusal === 'ip' ? 'LIMIT' : 'UNAVAILABLE');
      return;
    }
    socket.setNoDelay(true);
    const session = new Session(`i${this.nextSessionId++}`, socket, this.context, kind, ip);
    this.sessions.add(session);
    void session.whenClosed().then(() => this.sessions.delete(session));
    void session.greet().catch((err: unknown) => {
      this.context.logger.warn({ session: session.id, err: String(err) }, 'IMAP greeting failed');
      session.destroy();
    });
  }
}

/** "* BYE" before any session exists (RFC 9051 §7.1.5: the server may refuse with BYE as the greeting). */
function refuse(socket: Socket, text: string, code: 'LIMIT' | 'UNAVAILABLE'): void {
  const out = new ResponseWriter();
  writeUntaggedStatus(out, 'BYE', text, { code });
  socket.on('error', () => {});
  socket.end(out.toBuffer());
}

/** TLS 1.2 at least (RFC 8996 deprecates 1.0 and 1.1). */
function tlsOptions(tls: ImapServerOptions['tls']): TlsOptions {
  return { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' };
}
