import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { limits, type TandemConfig } from '@tandem/config';
import { ImapServer } from '@tandem/imap';
import { OutboundQueue, SmtpIntakeThread, type DkimKey, type ListenerKind, type LogLevel } from '@tandem/smtp';
import type { CommandLog, MailStore } from '@tandem/store';
import type { DaemonMetrics } from './daemon-metrics.js';
import { MeteredCommandLog } from './metered-command-log.js';
import { ArchiveRetention } from './archive-retention.js';

/**
 * The client-facing listeners of a data node: SMTP intake (MX, submission, submissions) and IMAP
 * (STARTTLS and implicit TLS), opened together on one address and closed together. A single node
 * opens them at start; a cluster member opens them only while it leads and holds the VIP, and
 * closes them when it lets go (SmtpIntake.close answers 421, ImapServer.close says `* BYE`).
 * Each opening makes new servers: a listener never outlives the leadership it was opened for.
 * The outbound queue's delivery agent follows the same rule: it runs only while the listeners are
 * open, so only the node that serves writes delivers (DESIGN §2), and a new leader takes over
 * whatever is queued.
 */
export interface MailServicesOptions {
  config: TandemConfig;
  store: MailStore;
  commandLog: CommandLog;
  tls: { cert: string; key: string };
  logger: Logger;
  metrics: DaemonMetrics;
  /** The relay's AUTH password, read from config.outbound.relay.passwordFile at start. */
  relayPassword?: string | undefined;
  /** DKIM keys, read from config.outbound.dkim at start. */
  dkimKeys?: readonly DkimKey[];
}

export type ListenerAddresses = Record<ListenerKind | 'imap' | 'imaps', { host: string; port: number }>;

export class MailServices {
  /** The SMTP sessions' thread: started once, listening only while open (intake-thread.ts). */
  private readonly smtp: SmtpIntakeThread;
  private imap: ImapServer | undefined;
  private outbound: OutboundQueue | undefined;
  private retention: ArchiveRetention | undefined;
  private readonly smtpLog: MeteredCommandLog;
  private readonly imapLog: MeteredCommandLog;
  /** What the listeners present; replaced by updateTls() (a renewed certificate). */
  private tls: MailServicesOptions['tls'];

  constructor(private readonly options: MailServicesOptions) {
    this.tls = options.tls;
    this.smtpLog = new MeteredCommandLog(options.commandLog, options.metrics.protocol('smtp'));
    this.imapLog = new MeteredCommandLog(options.commandLog, options.metrics.protocol('imap'));
    const logger = options.logger.child({ component: 'smtp' });
    this.smtp = new SmtpIntakeThread({
      reader: options.store, commandLog: this.smtpLog, logger, nowMs: Date.now, warmUpAfterMs: limits.smtpThreadWarmUpDelayMs,
      outbound: options.config.outbound !== undefined,
      logLevels: (['debug', 'info', 'warn', 'error'] as LogLevel[]).filter((level) => logger.isLevelEnabled(level)),
      onFailure: (err) => {
        logger.fatal({ err }, 'the SMTP sessions thread failed; stopping');
        process.nextTick(() => { throw err; });
      },
    });
  }

  /** Starts the SMTP sessions' thread now if it is not running yet (see intake-thread.ts). */
  warmUp(): void {
    this.smtp.warmUp();
  }

  get open(): boolean { return this.imap !== undefined; }

  get deliveriesInFlight(): number { return this.smtp.deliveriesInFlight; }

  get imapSessions(): number { return this.imap?.sessionCount ?? 0; }

  addresses(): ListenerAddresses | undefined {
    if (!this.smtp.listening || !this.imap) return undefined;
    return {
      mx: this.smtp.address('mx'), submission: this.smtp.address('submission'), submissions: this.smtp.address('submissions'),
      imap: this.imap.address('imap'), imaps: this.imap.address('imaps'),
    };
  }

  /** Opens every listener on `host`; on a failure, closes what opened and rethrows. */
  async openOn(host: string): Promise<ListenerAddresses> {
    if (this.imap) throw new Error('mail listeners are already open');
    const { config, store, logger } = this.options;
    const tls = this.tls;
    const smtp = this.smtp;
    await smtp.listen({
      hostname: config.hostname,
      listenHost: host,
      ports: { mx: config.smtp.port, submission: config.smtp.submissionPort, submissions: config.smtp.submissionsPort },
      tls: { key: tls.key, cert: tls.cert },
      messageSizeBytesMax: config.smtp.messageSizeBytesMax,
    });
    const imap = new ImapServer({
      reader: store, commandLog: this.imapLog, tls, host,
      ports: { imap: config.imap.port, imaps: config.imap.imapsPort },
      devLoopbackPlainAuth: config.dev, logger: logger.child({ component: 'imap' }), hostname: config.hostname,
    });
    try {
      await imap.listen();
    } catch (err) {
      await smtp.close();
      throw err;
    }
    this.imap = imap;
    if (config.outbound) {
      this.outbound = new OutboundQueue({
        reader: store, commandLog: this.smtpLog, logger: logger.child({ component: 'outbound' }), hostname: config.hostname,
        config: config.outbound, relayPassword: this.options.relayPassword, dkimKeys: this.options.dkimKeys ?? [],
        // On a cluster the listeners open on the VIP: mail leaves from it too (deploy/README §7).
        ...(config.cluster ? { sourceAddress: host } : {}),
        onOutcome: (outcome) => this.options.metrics.outboundOutcome(outcome),
      });
      this.outbound.start();
    }
    this.retention = new ArchiveRetention({ reader: store, commandLog: this.smtpLog, nowMs: Date.now, logger: logger.child({ component: 'archive' }) });
    this.retention.start();
    return this.addresses()!;
  }

  /**
   * A renewed certificate (checked by tls-material.ts) for every connection from now on, open
   * listeners and later openings alike; sessions already in TLS keep what they negotiated.
   */
  updateTls(tls: MailServicesOptions['tls']): void {
    // Checked here whatever is open: a pair that does not load would end the sessions' thread.
    createSecureContext({ key: tls.key, cert: tls.cert });
    this.imap?.updateTls(tls);
    this.smtp.updateTls(tls);
    this.tls = tls;
  }

  /** SMTP sessions get 421 (after in-flight deliveries are answered), IMAP sessions `* BYE`; outbound attempts under way end. */
  async close(): Promise<void> {
    const imap = this.imap;
    const outbound = this.outbound;
    const retention = this.retention;
    this.imap = undefined;
    this.outbound = undefined;
    this.retention = undefined;
    await Promise.all([this.smtp.close(), imap?.close(), outbound?.stop(), retention?.stop()]);
  }

  /** close(), then ends the SMTP sessions' thread: the daemon is stopping. */
  async stop(): Promise<void> {
    await this.close();
    await this.smtp.stop();
  }
}
