import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { TandemConfig } from '@tandem/config';
import { LocalCommandLog, MailStore } from '@tandem/store';
import { SmtpIntake, type ListenerKind } from '@tandem/smtp';
import { AdminOperations } from './admin-operations.js';
import { AdminServer } from './admin-server.js';
import { ensureDemoUser } from './demo-user.js';
import { ensureDevCertificate } from './dev-certificate.js';
import { readOrCreateSecret } from './secret-file.js';

/**
 * tandemd's composition root: opens the store and the command log, makes sure the configured
 * domains (and, in dev mode, the demo user and certificate) exist, then starts SMTP intake and the
 * admin API. stop() undoes it in reverse order: no new work, in-flight deliveries answered, the log
 * drained and closed, the store closed.
 */
export interface DaemonDetails {
  dev: boolean;
  dataDir: string;
  listeners: Record<ListenerKind, { host: string; port: number }>;
  imapPorts: { port: number; imapsPort: number };
  adminSocket: string;
  certFile: string;
  demo: { address: string; password: string | undefined } | undefined;
}

type Closer = () => Promise<void>;

export class TandemDaemon {
  private readonly startedMs = Date.now();
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly details: DaemonDetails,
    private readonly closers: Closer[],
  ) {}

  static async start(config: TandemConfig, logger: Logger): Promise<TandemDaemon> {
    const closers: Closer[] = [];
    try {
      return await TandemDaemon.open(config, logger, closers);
    } catch (err) {
      await closeAll(closers, logger);
      throw err;
    }
  }

  private static async open(config: TandemConfig, logger: Logger, closers: Closer[]): Promise<TandemDaemon> {
    const nowMs = Date.now;
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const store = await MailStore.open({ dataDir: config.dataDir }).catch((err: unknown) => {
      // LevelDB's lock: the usual cause is a second tandemd on the same data dir.
      if (/\block\b/i.test(String((err as { cause?: unknown }).cause ?? ''))) {
        throw new Error(`data dir ${config.dataDir} is in use by another tandemd (its index lock is held); stop that one first`);
      }
      throw err;
    });
    closers.push(() => store.close());
    const commandLog = await LocalCommandLog.open({ dir: join(config.dataDir, 'log'), store });
    closers.push(() => commandLog.close());
    logger.info({ dataDir: config.dataDir, appliedIndex: store.appliedIndex }, 'store open');

    for (const domain of config.domains) {
      if (store.isLocalDomain(domain)) continue;
      const result = await commandLog.propose({ type: 'domain.add', domain, timestampMs: nowMs() });
      if (!result.ok) throw new Error(`config: domains: cannot add ${domain}: ${result.message}`);
    }
    const demo = config.dev
      ? await ensureDemoUser({ reader: store, commandLog, dataDir: config.dataDir, nowMs }, config.demoPassword)
      : undefined;

    const tls = config.tls
      ? { cert: readFileSync(config.tls.certFile, 'utf8'), key: readFileSync(config.tls.keyFile, 'utf8'), certFile: config.tls.certFile }
      : await ensureDevCertificate(config.dataDir, config.hostname);

    const intake = await SmtpIntake.start({
      hostname: config.hostname,
      listenHost: config.listenHost,
      ports: { mx: config.smtp.port, submission: config.smtp.submissionPort, submissions: config.smtp.submissionsPort },
      tls,
      messageSizeBytesMax: config.smtp.messageSizeBytesMax,
      reader: store,
      commandLog,
      logger: logger.child({ component: 'smtp' }),
      nowMs,
    });
    // Closed before the log: in-flight deliveries still need it to get their reply.
    closers.push(() => intake.close());

    const listeners = { mx: intake.address('mx'), submission: intake.address('submission'), submissions: intake.address('submissions') };
    const details: DaemonDetails = {
      dev: config.dev, dataDir: config.dataDir, listeners, imapPorts: config.imap,
      adminSocket: config.admin.socketPath, certFile: tls.certFile, demo,
    };
    let daemon: TandemDaemon | undefined;
    const operations = new AdminOperations({
      reader: store, commandLog, nowMs,
      status: () => ({
        version: '0.1.0',
        dev: config.dev,
        uptimeMs: daemon ? Date.now() - daemon.startedMs : 0,
        appliedIndex: store.appliedIndex,
        dataDir: config.dataDir,
        listeners,
        domains: store.listDomains().length,
        users: store.listUsers().length,
        deliveriesInFlight: intake.deliveriesInFlight,
        commandLog: commandLog.stats(),
      }),
    });
    const token = readOrCreateSecret(join(config.dataDir, 'admin.token'));
    const admin = await AdminServer.start({ socketPath: config.admin.socketPath, token, operations, logger: logger.child({ component: 'admin' }) });
    closers.push(() => admin.close());
    daemon = new TandemDaemon(details, closers);
    return daemon;
  }

  /** Idempotent; resolves once everything is closed. */
  stop(logger: Logger): Promise<void> {
    this.stopping ??= closeAll(this.closers, logger);
    return this.stopping;
  }
}

/** Closes in reverse order of opening; one failure does not keep the rest open. */
async function closeAll(closers: Closer[], logger: Logger): Promise<void> {
  for (const close of closers.splice(0).reverse()) {
    try {
      await close();
    } catch (err) {
      logger.error({ err }, 'error while shutting down');
    }
  }
}
