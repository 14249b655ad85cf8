import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { IntakeLogger } from './intake-logger.js';
import type {
  SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerDataStream, SMTPServerOptions, SMTPServerSession,
} from 'smtp-server';
import { limits } from '@tandem/config';
import { hashPassword, verifyPassword } from '@tandem/store';
import { AuthThrottle, type AuthThrottleLimits } from '@tandem/store';
import { collectMessage } from './collect-message.js';
import { dedupeKey } from './dedupe-key.js';
import type { IntakeBackend, IntakeSession } from './intake-backend.js';
import { MemoryBudget } from './memory-budget.js';
import { AuthFailedError, AuthNeedsTlsError, IntakeClosingError } from './smtp-errors.js';
import { SmtpReplyError, type SmtpReply } from './smtp-reply.js';
import { toSmtpReply } from './smtp-reply-for-error.js';
import { TandemSmtpServer } from './tandem-smtp-server.js';

/**
 * SMTP intake: the MX listener (mail from the world for local domains) and the two submission
 * listeners (RFC 6409 with STARTTLS, RFC 8314 implicit TLS) for authenticated users. Every
 * accepted message becomes one `message.deliver` proposed through the command log; the 250 is
 * sent only after propose() resolved (DESIGN §3).
 *
 * Invariants: AUTH only over TLS (RFC 4954 §4, DESIGN §7); never an open relay; nothing is stored
 * for a transaction that did not get a 250.
 */
export type ListenerKind = 'mx' | 'submission' | 'submissions';
export const listenerKinds: readonly ListenerKind[] = ['mx', 'submission', 'submissions'];

export interface SmtpIntakeOptions {
  /** Greeting and Received "by" name. */
  hostname: string;
  listenHost: string;
  /** Port per listener; 0 picks a free one (tests). */
  ports: Record<ListenerKind, number>;
  tls: { key: string | Buffer; cert: string | Buffer };
  messageSizeBytesMax: number;
  /** Recipient checks, AUTH users and deliveries (intake-backend.ts). */
  backend: IntakeBackend;
  logger: IntakeLogger;
  /** The clock of the AUTH throttle. */
  nowMs?: () => number;
  authThrottle?: AuthThrottleLimits;
  /** Defaults to limits.smtpBufferedBytesMax (tests make it small). */
  bufferedBytesMax?: number;
}

export class SmtpIntake {
  private readonly servers = new Map<ListenerKind, TandemSmtpServer>();
  private readonly throttle: AuthThrottle;
  private readonly budget: MemoryBudget;
  private readonly nowMs: () => number;
  private inFlight = 0;
  private drained: Array<() => void> = [];
  private closing = false;
  private dummyPasswordHash: Promise<string> | undefined;

  private tls: SmtpIntakeOptions['tls'];

  private constructor(private readonly options: SmtpIntakeOptions) {
    this.tls = options.tls;
    this.throttle = new AuthThrottle(options.authThrottle);
    this.budget = new MemoryBudget(options.bufferedBytesMax ?? limits.smtpBufferedBytesMax);
    this.nowMs = options.nowMs ?? Date.now;
  }

  static async start(options: SmtpIntakeOptions): Promise<SmtpIntake> {
    const intake = new SmtpIntake(options);
    try {
      for (const kind of listenerKinds) await intake.listen(kind);
    } catch (err) {
      await intake.close();
      throw err;
    }
    return intake;
  }

  /** The bound address of a listener (the real port when 0 was asked for). */
  address(kind: ListenerKind): { host: string; port: number } {
    const server = this.servers.get(kind);
    const info = server?.server.address() as AddressInfo | null | undefined;
    if (!info) throw new Error(`SMTP ${kind} listener is not listening`);
    return { host: info.address, port: info.port };
  }

  /**
   * New TLS material (a renewed certificate) for connections and STARTTLS upgrades from now on;
   * sessions already in TLS keep what they negotiated. The caller has checked that it loads.
   */
  updateTls(tls: SmtpIntakeOptions['tls']): void {
    this.tls = tls;
    for (const server of this.servers.values()) server.updateSecureContext({ key: tls.key, cert: tls.cert });
  }

  /** Deliveries received in full and not yet answered (waiting for the command log). */
  get deliveriesInFlight(): number { return this.inFlight; }

  /**
   * Graceful stop: no new connections or commands (421), in-flight deliveries get their reply (up
   * to limits.smtpShutdownDrainMs), then every session is closed with 421.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const closed = [...this.servers.values()].map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    await this.waitForDrain(limits.smtpShutdownDrainMs);
    for (const server of this.servers.values()) server.closeAllSessions('4.3.2 shutting down; try again later');
    await Promise.all(closed);
  }

  private async listen(kind: ListenerKind): Promise<void> {
    const server = new TandemSmtpServer(this.serverOptions(kind));
    server.on('error', (err) => this.options.logger.warn({ listener: kind, err: err.message }, 'SMTP connection error'));
    this.servers.set(kind, server);
    const { listenHost: host } = this.options;
    const port = this.options.ports[kind];
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => reject(listenError(kind, host, port, err));
      server.server.once('error', onError);
      server.listen(port, host, () => {
        server.server.removeListener('error', onError);
        resolve();
      });
    });
  }

  private serverOptions(kind: ListenerKind): SMTPServerOptions {
    const o = this.options;
    const common: SMTPServerOptions = {
      name: o.hostname,
      banner: 'Tandem Mail',
      key: this.tls.key,
      cert: this.tls.cert,
      // RFC 1870: advertised in EHLO and checked against MAIL FROM SIZE=; enforced in onData.
      size: o.messageSizeBytesMax,
      // RFC 2034: every reply after the greeting carries an enhanced status code.
      hideENHANCEDSTATUSCODES: false,
      // No DNS on the intake path: the Received header gives the address literal.
      disableReverseLookup: true,
      maxClients: limits.smtpSessionsMax,
      maxCommandLength: limits.smtpCommandLineBytesMax,
      maxRecipients: limits.smtpRecipientsMax,
      socketTimeout: limits.smtpIdleTimeoutMs,
      closeTimeout: limits.smtpShutdownDrainMs,
      logger: false,
      onRcptTo: (address, session, callback) => this.onRcptTo(address.address, session, callback),
      onData: (stream, session, callback) => void this.onData(kind, stream, session, callback),
    };
    if (kind === 'mx') {
      // RFC 6409 §4.3 keeps AUTH for submission; port 25 takes mail for local domains only.
      return { ...common, disabledCommands: ['AUTH'], authOptional: true };
    }
    return {
      ...common,
      secure: kind === 'submissions',
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: false,
      allowInsecureAuth: false,
      authRequiredMessage: '5.7.0 authentication required (RFC 6409 submission)',
      maxAllowedUnauthenticatedCommands: limits.smtpUnauthenticatedCommandsMax,
      onAuth: (auth, session, callback) => void this.onAuth(auth, session, callback),
    };
  }

  private async onAuth(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
    callback: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
  ): Promise<void> {
    try {
      // smtp-server already answers 538 before STARTTLS; this is the invariant, checked once more.
      if (!session.secure) throw new AuthNeedsTlsError();
      const delayMs = this.throttle.delayMsBeforeAttempt(session.remoteAddress, this.nowMs());
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
      const user = await this.options.backend.lookupUser(auth.username ?? '');
      // An unknown user costs the same hash as a known one, so timing does not reveal who exists.
      const encoded = user?.passwordHash ?? await (this.dummyPasswordHash ??= hashPassword(randomBytes(16).toString('hex')));
      const valid = await verifyPassword(auth.password ?? '', encoded);
      if (user && valid) return callback(null, { user: user.address });
      this.throttle.recordFailure(session.remoteAddress, this.nowMs());
      this.options.logger.info({ session: session.id, client: session.remoteAddress }, 'AUTH failed');
      throw new AuthFailedError();
    } catch (err) {
      const decision = toSmtpReply(err, { sessionId: session.id, logger: this.options.logger });
      callback(decision.kind === 'reply' ? new SmtpReplyError(decision.reply) : new Error('internal error'));
    }
  }

  private onRcptTo(address: string, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    this.options.backend.checkRecipient(address, intakeSession(session)).then(() => callback(), (err: unknown) => {
      const decision = toSmtpReply(err, { sessionId: session.id, logger: this.options.logger });
      if (decision.kind === 'reply') this.logRefused('recipient refused', session, [address], decision.reply);
      callback(decision.kind === 'reply' ? new SmtpReplyError(decision.reply) : new Error('internal error'));
    });
  }

  private async onData(
    kind: ListenerKind,
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ): Promise<void> {
    const o = this.options;
    try {
      const raw = await collectMessage(stream, { sizeBytesMax: o.messageSizeBytesMax, lineBytesMax: limits.smtpDataLineBytesMax, budget: this.budget });
      this.inFlight += 1;
      try {
        if (this.closing) throw new IntakeClosingError();
        const mailFrom = reversePath(session);
        const rcptTo = session.envelope.rcptTo.map((r) => r.address);
        const outcome = await o.backend.deliver({
          mailFrom, rcptTo, raw, dedupeKey: dedupeKey({ mailFrom, rcptTo }, raw),
          trace: { heloName: session.hostNameAppearsAs, remoteAddress: session.remoteAddress, hostname: o.hostname, protocol: session.transmissionType },
        }, intakeSession(session));
        if (outcome.vanished.length > 0) o.logger.warn({ session: session.id, queueId: outcome.queueId, vanished: outcome.vanished }, 'recipients removed since RCPT got nothing');
        // (The mail log's 'message accepted' line is written where the delivery was made: intake-backend.ts.)
        // RFC 5321 §4.2.5: the 250 after DATA means we took responsibility; it follows the fsync.
        callback(null, `2.0.0 queued as ${outcome.queueId}`);
      } finally {
        this.budget.release(raw.length);
        this.inFlight -= 1;
        if (this.inFlight === 0) for (const resolve of this.drained.splice(0)) resolve();
      }
    } catch (err) {
      const decision = toSmtpReply(err, { sessionId: session.id, logger: o.logger });
      if (decision.kind === 'drop') {
        this.servers.get(kind)?.dropSession(session.id);
        return;
      }
      this.logRefused('message refused', session, session.envelope.rcptTo.map((r) => r.address), decision.reply);
      callback(new SmtpReplyError(decision.reply));
    }
  }

  /**
   * The mail log's line for a refusal (info, as Postfix logs its NOQUEUE rejects): who tried to
   * send what to whom, and the reply they got, so an admin can answer "why did my mail bounce".
   */
  private logRefused(what: string, session: SMTPServerSession, to: string[], reply: SmtpReply): void {
    this.options.logger.info({
      session: session.id, client: session.remoteAddress, from: reversePath(session),
      to, reply: `${reply.code} ${reply.enhancedCode} ${reply.text}`,
    }, what);
  }

  private waitForDrain(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.drained.push(() => { clearTimeout(timer); resolve(); });
    });
  }
}

/** Says what to do about the usual reasons a listener cannot start. */
function listenError(kind: ListenerKind, host: string, port: number, err: NodeJS.ErrnoException): Error {
  const where = `SMTP ${kind} listener on ${host}:${port}`;
  if (err.code === 'EADDRINUSE') return new Error(`${where}: the port is already in use (another tandemd or mail server?)`, { cause: err });
  if (err.code === 'EACCES') return new Error(`${where}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)`, { cause: err });
  if (err.code === 'EADDRNOTAVAIL') return new Error(`${where}: no such local address`, { cause: err });
  return new Error(`${where}: ${err.message}`, { cause: err });
}

/** MAIL FROM's address; '' for the null reverse-path <> (RFC 5321 §4.5.5) or before MAIL. */
function reversePath(session: SMTPServerSession): string {
  return session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
}

function intakeSession(session: SMTPServerSession): IntakeSession {
  return { id: session.id, authenticatedUser: typeof session.user === 'string' ? session.user : undefined, mailFrom: reversePath(session) };
}
