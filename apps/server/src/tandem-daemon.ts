import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readClusterSecret, type TandemConfig } from '@tandem/config';
import { LocalCommandLog, MailStore, openBackupStream, type CommandLog, type StoreReader } from '@tandem/store';
import { AdminStream } from './admin-stream.js';
import { AdminOperations } from './admin-operations.js';
import { AdminServer } from './admin-server.js';
import { clusterAdminHandlers, restartExitCode } from './cluster-admin.js';
import { ClusterMember } from './cluster-member.js';
import { DaemonMetrics } from './daemon-metrics.js';
import { ensureDemoUser } from './demo-user.js';
import { ensureDevCertificate } from './dev-certificate.js';
import { MailServices, type ListenerAddresses } from './mail-services.js';
import { memberStatusToken, MetricsServer } from './metrics-server.js';
import { readOrCreateSecret } from './secret-file.js';
import { readDkimKeys, readRelayPassword } from './outbound-secrets.js';
import { readTlsMaterial, summarizeCertificate, type CertificateSummary, type TlsMaterial } from './tls-material.js';

/**
 * tandemd's composition root. Three shapes, from the config:
 *  - single node (no `cluster`; dev mode): store + local command log; SMTP and IMAP open at start;
 *  - data member: store + Raft (ReplicatedCommandLog); SMTP and IMAP open only while this member
 *    leads and holds the VIP (ClusterMember's ServiceDriver);
 *  - witness: Raft only (log and vote), never a store, never clients (DESIGN §2).
 * All three serve the admin API on the Unix socket and, if configured, /metrics.
 * stop() undoes everything in reverse order: no new work, VIP dropped before listeners close,
 * in-flight deliveries answered, the log drained and closed, the store closed.
 */
export interface DaemonDetails {
  dev: boolean;
  dataDir: string;
  /** 'single' without a cluster section. */
  kind: 'single' | 'data' | 'witness';
  nodeId: string | undefined;
  /** Bound listeners of a single node; a cluster member opens them later, on the VIP. */
  listeners: ListenerAddresses | undefined;
  /** Where a cluster's data member serves while leader (the VIP, or `listen` without one). */
  serviceHost: string | undefined;
  imapPorts: { port: number; imapsPort: number };
  smtpPorts: { mx: number; submission: number; submissions: number };
  adminSocket: string;
  certFile: string | undefined;
  demo: { address: string; password: string | undefined } | undefined;
  metrics: string[];
}

type Closer = () => Promise<void>;

export class TandemDaemon {
  private readonly startedMs = Date.now();
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly details: DaemonDetails,
    private readonly closers: Closer[],
    /** Data nodes: re-reads the certificate and key files (see reloadTls). */
    private readonly tlsReloader?: () => CertificateSummary,
  ) {}

  /**
   * SIGHUP: the certificate and key files are read again and, if they load, presented to every
   * SMTP and IMAP connection from now on (tls-material.ts); if not, this throws a
   * TlsMaterialError and the listeners keep what they had. A witness serves no clients: undefined.
   */
  reloadTls(): CertificateSummary | undefined {
    return this.tlsReloader?.();
  }

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
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const kind = config.cluster === undefined ? 'single' : config.cluster.role;
    const metrics = new DaemonMetrics(config.cluster?.nodeId ?? config.hostname, kind);
    const base: Omit<DaemonDetails, 'listeners' | 'serviceHost' | 'certFile' | 'demo'> = {
      dev: config.dev, dataDir: config.dataDir, kind, nodeId: config.cluster?.nodeId,
      imapPorts: config.imap, smtpPorts: { mx: config.smtp.port, submission: config.smtp.submissionPort, submissions: config.smtp.submissionsPort },
      adminSocket: config.admin.socketPath,
      metrics: config.metrics ? config.metrics.listen.map((h) => `${h}:${config.metrics!.port}`) : [],
    };
    let daemon: TandemDaemon | undefined;
    const uptimeMs = (): number => (daemon ? Date.now() - daemon.startedMs : 0);

    if (kind === 'witness') {
      const member = await ClusterMember.start({ cluster: config.cluster!, dataDir: config.dataDir, logger });
      closers.push(() => member.stop());
      metrics.setSource(memberMetricsSource(member, undefined));
      await startAdminAndMetrics(config, logger, closers, metrics, member, undefined, undefined, undefined,
        () => ({ version: '0.1.0', kind, uptimeMs: uptimeMs(), member: member.report() }));
      daemon = new TandemDaemon({ ...base, listeners: undefined, serviceHost: undefined, certFile: undefined, demo: undefined }, closers);
      return daemon;
    }

    // Before anything opens: a bad file stops the start.
    const relayPassword = readRelayPassword(config);
    const dkimKeys = readDkimKeys(config);
    const store = await openStore(config.dataDir);
    closers.push(() => store.close());
    logger.info({ dataDir: config.dataDir, appliedIndex: store.appliedIndex }, 'store open');
    const tls: TlsMaterial = config.tls
      ? readTlsMaterial(config.tls.certFile, config.tls.keyFile)
      : await ensureDevCertificate(config.dataDir, config.hostname);
    // The certificate in use, for `tandem status` and the expiry metric.
    let certificate = summarizeCertificate(tls);
    metrics.setTlsCertificate(certificate.validTo);
    // SIGHUP and `tandem tls reload` (the admin API) both come here; either way the outcome is logged.
    const tlsReloader = (services: MailServices) => (): CertificateSummary => {
      try {
        const renewed = readTlsMaterial(tls.certFile, tls.keyFile);
        services.updateTls(renewed);
        certificate = summarizeCertificate(renewed);
        metrics.setTlsCertificate(certificate.validTo);
        logger.info({ certificate }, 'TLS certificate reloaded');
        return certificate;
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'TLS certificate not reloaded; the listeners keep the one they had');
        throw err;
      }
    };

    if (kind === 'single') {
      const commandLog = await LocalCommandLog.open({ dir: join(config.dataDir, 'log'), store });
      closers.push(() => commandLog.close());
      await ensureDomains(config, store, commandLog, logger, true);
      const demo = config.dev ? await ensureDemoUser({ reader: store, commandLog, dataDir: config.dataDir, nowMs: Date.now }, config.demoPassword) : undefined;
      const services = new MailServices({ config, store, commandLog, tls, logger, metrics, relayPassword, dkimKeys });
      const listeners = await services.openOn(config.listenHost);
      // Closed before the log: in-flight deliveries still need it to get their reply.
      closers.push(() => services.stop());
      metrics.setSource({
        member: () => undefined, smtpDeliveriesInFlight: () => services.deliveriesInFlight, imapSessions: () => services.imapSessions,
        ...mailFlowMetrics(store),
      });
      const reloadTls = tlsReloader(services);
      await startAdminAndMetrics(config, logger, closers, metrics, undefined, store, commandLog, reloadTls, () => ({
        version: '0.1.0', dev: config.dev, uptimeMs: uptimeMs(), appliedIndex: store.appliedIndex, dataDir: config.dataDir, listeners,
        domains: store.listDomains().length, users: store.listUsers().length, deliveriesInFlight: services.deliveriesInFlight,
        ...mailFlowStatus(store), commandLog: commandLog.stats(), tls: certificate,
      }));
      daemon = new TandemDaemon({ ...base, listeners, serviceHost: undefined, certFile: tls.certFile, demo }, closers, reloadTls);
      return daemon;
    }

    // A data member: the listeners open when this member leads and holds the VIP.
    const serviceHost = config.cluster!.vip?.address ?? config.listenHost;
    let services: MailServices | undefined;
    let commandLog: CommandLog | undefined;
    const member = await ClusterMember.start({
      cluster: config.cluster!, dataDir: config.dataDir, logger, store,
      listeners: {
        open: async () => {
          if (!services || !commandLog) throw new Error('the daemon is still starting');
          await ensureDomains(config, store, commandLog, logger, false);
          const addresses = await services.openOn(serviceHost);
          logger.info({ listeners: addresses }, 'SMTP and IMAP open');
        },
        close: async () => { await services?.close(); },
      },
    });
    closers.push(() => member.stop());
    commandLog = member.commandLog!;
    services = new MailServices({ config, store, commandLog, tls, logger, metrics, relayPassword, dkimKeys });
    const started = services;
    closers.push(() => started.stop()); // (closers run last first: before the member stops)
    // The SMTP sessions' thread starts once this member has caught up with a leader (its modules
    // then load while nothing is asked of it), or limits.smtpThreadWarmUpDelayMs after start,
    // whichever comes first: a planned transfer or a failover soon after a restart finds it ready.
    const stopWatchingCatchUp = member.node.onStatus((s) => {
      if (s.role !== 'follower' || s.leader === null || s.appliedIndex < s.commitIndex) return;
      stopWatchingCatchUp();
      started.warmUp();
    });
    closers.push(async () => { stopWatchingCatchUp(); });
    metrics.setSource(memberMetricsSource(member, services, store));
    const mailServices = services;
    const reloadTls = tlsReloader(mailServices);
    await startAdminAndMetrics(config, logger, closers, metrics, member, store, commandLog, reloadTls, () => ({
      version: '0.1.0', kind, uptimeMs: uptimeMs(), appliedIndex: store.appliedIndex, dataDir: config.dataDir,
      listeners: mailServices.addresses() ?? null, domains: store.listDomains().length, users: store.listUsers().length,
      deliveriesInFlight: mailServices.deliveriesInFlight, ...mailFlowStatus(store), member: member.report(), commandLog: member.commandLog!.stats(), tls: certificate,
    }));
    daemon = new TandemDaemon({ ...base, listeners: undefined, serviceHost, certFile: tls.certFile, demo: undefined }, closers, reloadTls);
    return daemon;
  }

  /** Idempotent; resolves once everything is closed. */
  stop(logger: Logger): Promise<void> {
    this.stopping ??= closeAll(this.closers, logger);
    return this.stopping;
  }
}

async function openStore(dataDir: string): Promise<MailStore> {
  return MailStore.open({ dataDir }).catch((err: unknown) => {
    // LevelDB's lock: the usual cause is a second tandemd on the same data dir.
    if (/\block\b/i.test(String((err as { cause?: unknown }).cause ?? ''))) {
      throw new Error(`data dir ${dataDir} is in use by another tandemd (its index lock is held); stop that one first`);
    }
    throw err;
  });
}

/**
 * Configured domains are added when missing: at start on a single node (a failure stops it); by a
 * new cluster leader before it opens its listeners (a failure is logged: an admin can add them).
 */
async function ensureDomains(config: TandemConfig, reader: StoreReader, commandLog: CommandLog, logger: Logger, fatal: boolean): Promise<void> {
  for (const domain of config.domains) {
    if (reader.isLocalDomain(domain)) continue;
    try {
      const result = await commandLog.propose({ type: 'domain.add', domain, timestampMs: Date.now() });
      if (!result.ok && result.error !== 'EXISTS') throw new Error(result.message);
    } catch (err) {
      if (fatal) throw new Error(`config: domains: cannot add ${domain}: ${(err as Error).message}`);
      logger.warn({ err, domain }, 'cannot add a configured domain now; add it with `tandem domain add`');
    }
  }
}

function memberMetricsSource(member: ClusterMember, services: MailServices | undefined, store?: StoreReader): Parameters<DaemonMetrics['setSource']>[0] {
  return {
    member: () => {
      const r = member.report();
      const lagEntries: Record<string, number> = {};
      for (const [id, p] of Object.entries(r.peers)) lagEntries[id] = p.lagEntries;
      return { role: r.raftRole, term: r.term, commitIndex: r.commitIndex, appliedIndex: r.appliedIndex, lagEntries, vipHeld: r.vipHeld, serving: r.serving, degraded: r.degraded };
    },
    smtpDeliveriesInFlight: () => services?.deliveriesInFlight ?? 0,
    imapSessions: () => services?.imapSessions ?? 0,
    ...(store ? mailFlowMetrics(store) : {}),
  };
}

/** What waits for someone, for `tandem status`: the outbound queue, held mail, the archive. */
function mailFlowStatus(store: StoreReader): Record<string, unknown> {
  const archive = store.archiveConfig();
  return {
    outboundQueued: store.queueSize(), reviewHeld: store.heldSize(),
    archive: { enabled: archive?.enabled ?? false, records: store.archiveHead()?.seq ?? 0 },
  };
}

/** The same as gauges (daemon-metrics.ts); replicated state, so every data member reports the same. */
function mailFlowMetrics(store: StoreReader): Pick<Parameters<DaemonMetrics['setSource']>[0], 'outboundQueued' | 'reviewHeld' | 'archiveRecords'> {
  return { outboundQueued: () => store.queueSize(), reviewHeld: () => store.heldSize(), archiveRecords: () => store.archiveHead()?.seq ?? 0 };
}

/** `tandem backup create`: the store's snapshot archive, streamed to the CLI (store-backup.ts). */
async function backupStream(store: MailStore, logger: Logger, metrics: DaemonMetrics): Promise<AdminStream> {
  const backup = await openBackupStream(store);
  const { appliedIndex, totalBytes, archiveSha256 } = backup.manifest;
  logger.info({ appliedIndex, bytes: totalBytes, sha256: archiveSha256 }, 'backup: sending the store');
  let sent = 0;
  const counted = (async function* () {
    try {
      for await (const chunk of backup.bytes) {
        yield chunk;
        sent += chunk.length;
      }
    } finally {
      const whole = sent === totalBytes;
      metrics.backupEnded(whole, Date.now());
      if (whole) logger.info({ appliedIndex, bytes: sent }, 'backup: sent whole');
      else logger.warn({ appliedIndex, bytes: sent, of: totalBytes }, 'backup: cut short (an error, or the reader went away)');
    }
  })();
  return new AdminStream({
    'content-length': String(totalBytes), 'x-tandem-applied-index': String(appliedIndex), 'x-tandem-archive-sha256': archiveSha256,
  }, counted, backup.close);
}

async function startAdminAndMetrics(
  config: TandemConfig, logger: Logger, closers: Closer[], metrics: DaemonMetrics, member: ClusterMember | undefined,
  store: MailStore | undefined, commandLog: CommandLog | undefined, reloadTls: (() => CertificateSummary) | undefined,
  status: () => Record<string, unknown>,
): Promise<void> {
  const statusToken = config.cluster ? memberStatusToken(readClusterSecret(config.cluster.secretFile)) : '';
  const operations = new AdminOperations({
    reader: store, commandLog, nowMs: Date.now, status, reloadTls, dataDir: config.dataDir, hostname: config.hostname,
    backup: store ? () => backupStream(store, logger, metrics) : undefined,
    extra: member && config.cluster ? clusterAdminHandlers({
      member, store, cluster: config.cluster, metricsPort: config.metrics?.port, statusToken, dataDir: config.dataDir,
      restart: () => {
        logger.warn({ exitCode: restartExitCode }, 'force-single: restarting as a one-member cluster');
        process.exitCode = restartExitCode;
        process.kill(process.pid, 'SIGTERM');
      },
    }) : {},
  });
  const token = readOrCreateSecret(join(config.dataDir, 'admin.token'));
  const admin = await AdminServer.start({ socketPath: config.admin.socketPath, token, operations, logger: logger.child({ component: 'admin' }) });
  closers.push(() => admin.close());
  if (config.metrics) {
    const server = await MetricsServer.start({
      hosts: config.metrics.listen, port: config.metrics.port, render: () => metrics.render(), logger,
      ...(member ? { member: { token: statusToken, report: () => member.report() } } : {}),
    });
    closers.push(() => server.close());
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
