import { PrometheusRegistry, type Counter, type Histogram, type MetricSample } from './prometheus-registry.js';

/**
 * tandemd's Prometheus series (`/metrics`): Raft role, term, commit and applied index, replication
 * lag per member, VIP held, degraded; SMTP and IMAP writes by command and outcome with their
 * latency (propose → answer: what a client waits for its 250 / OK), sessions in progress, and when
 * the TLS certificate in use expires.
 * Gauges read the live state at scrape time through a MetricsSource.
 */
export interface MemberMetrics {
  role: string;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  /** Leader only: commitIndex − matchIndex per other member. */
  lagEntries: Record<string, number>;
  vipHeld: boolean;
  serving: boolean;
  degraded: boolean;
}

export interface MetricsSource {
  member(): MemberMetrics | undefined;
  smtpDeliveriesInFlight(): number;
  imapSessions(): number;
  /** Messages in the outbound queue (replicated state: every data member reports the same). */
  outboundQueued?(): number;
  /** Messages held for review (replicated state too). */
  reviewHeld?(): number;
  /** Records in the archive journal (expired ones included: the chain keeps them). */
  archiveRecords?(): number;
}

export interface ProtocolMeter {
  observe(commandType: string, outcome: 'ok' | 'failed' | 'refused' | 'unknown' | 'error', seconds: number): void;
}

const latencyBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const roles = ['leader', 'follower', 'candidate', 'preCandidate'];

export class DaemonMetrics {
  readonly registry = new PrometheusRegistry();
  private source: MetricsSource | undefined;
  /** When the certificate the listeners present stops being valid (ms since the epoch). */
  private tlsNotAfterMs: number | undefined;
  private lastBackupSentMs: number | undefined;
  private readonly backups: Counter;
  private readonly outbound: Counter;
  private readonly writes: Record<'smtp' | 'imap', { total: Counter; seconds: Histogram }>;

  constructor(readonly nodeId: string, readonly nodeRole: 'data' | 'witness' | 'single') {
    const r = this.registry;
    const member = (): MemberMetrics | undefined => this.source?.member();
    const one = (value: number | undefined): MetricSample[] => (value === undefined ? [] : [{ labels: {}, value }]);
    r.gauge('tandem_node_info', 'This member: id and configured role (value 1).', () => [{ labels: { node: nodeId, role: nodeRole }, value: 1 }]);
    r.gauge('tandem_raft_role', 'Raft role of this member (1 for the current role).', () => {
      const m = member();
      return m ? roles.map((role) => ({ labels: { role }, value: m.role === role ? 1 : 0 })) : [];
    });
    r.gauge('tandem_raft_term', 'Current Raft term.', () => one(member()?.term));
    r.gauge('tandem_raft_commit_index', 'Highest log index known committed.', () => one(member()?.commitIndex));
    r.gauge('tandem_raft_applied_index', 'Highest log index applied to the store here.', () => one(member()?.appliedIndex));
    r.gauge('tandem_raft_replication_lag_entries', 'Leader only: commit index minus the member\'s match index.', () =>
      Object.entries(member()?.lagEntries ?? {}).map(([peer, value]) => ({ labels: { member: peer }, value })));
    r.gauge('tandem_vip_held', '1 while this member holds the virtual IP.', () => one(member() ? Number(member()!.vipHeld) : undefined));
    r.gauge('tandem_serving', '1 while this member has its SMTP/IMAP listeners open.', () => one(member() ? Number(member()!.serving) : undefined));
    r.gauge('tandem_cluster_degraded', 'Leader only: 1 while the other data node is down or catching up (writes on leader + witness).', () =>
      one(member() ? Number(member()!.degraded) : undefined));
    r.gauge('tandem_smtp_deliveries_in_flight', 'SMTP messages received and waiting for their commit.', () => one(this.source?.smtpDeliveriesInFlight()));
    r.gauge('tandem_imap_sessions', 'IMAP sessions open.', () => one(this.source?.imapSessions()));
    // For an alert well before the certificate expires (a renewal that did not reach this node).
    r.gauge('tandem_tls_certificate_not_after_seconds', 'When the TLS certificate SMTP and IMAP present expires (Unix time).', () =>
      one(this.tlsNotAfterMs === undefined ? undefined : Math.floor(this.tlsNotAfterMs / 1000)));
    // For an alert when backups stop (cron broken, backup host gone): the daemon sees every one.
    r.gauge('tandem_backup_last_sent_seconds', 'When this node last streamed a whole backup (Unix time); absent before the first.', () =>
      one(this.lastBackupSentMs === undefined ? undefined : Math.floor(this.lastBackupSentMs / 1000)));
    this.backups = r.counter('tandem_backups_total', 'Backups streamed by this node: sent whole, or cut short (an error, or the reader went away).');
    r.gauge('tandem_archive_records', 'Records in the mail archive journal (expired ones included).', () => one(this.source?.archiveRecords?.()));
    r.gauge('tandem_review_held_messages', 'Messages held for review, waiting for a reviewer\'s decision.', () => one(this.source?.reviewHeld?.()));
    r.gauge('tandem_outbound_queue_messages', 'Messages waiting in the outbound queue for at least one remote recipient.', () => one(this.source?.outboundQueued?.()));
    this.outbound = r.counter('tandem_outbound_deliveries_total', 'Remote recipients by the outcome of a delivery attempt made here: delivered, deferred or failed (bounced).');
    this.writes = {
      smtp: {
        total: r.counter('tandem_smtp_writes_total', 'SMTP writes (deliveries) by command and outcome.'),
        seconds: r.histogram('tandem_smtp_write_seconds', 'SMTP write latency, propose to answer.', latencyBucketsSeconds),
      },
      imap: {
        total: r.counter('tandem_imap_writes_total', 'IMAP writes (APPEND, STORE, COPY, EXPUNGE, …) by command and outcome.'),
        seconds: r.histogram('tandem_imap_write_seconds', 'IMAP write latency, propose to answer.', latencyBucketsSeconds),
      },
    };
  }

  setSource(source: MetricsSource): void {
    this.source = source;
  }

  /** One remote recipient's outcome of a delivery attempt (outbound-queue.ts). */
  outboundOutcome(outcome: 'delivered' | 'deferred' | 'failed'): void {
    this.outbound.inc({ outcome });
  }

  /** A backup stream ended: all of its bytes were handed to the socket, or not. */
  backupEnded(whole: boolean, atMs: number): void {
    this.backups.inc({ outcome: whole ? 'sent' : 'cut' });
    if (whole) this.lastBackupSentMs = atMs;
  }

  /** The certificate now presented (at start and after each reload): its validTo, as X509Certificate gives it. */
  setTlsCertificate(validTo: string): void {
    const ms = Date.parse(validTo);
    this.tlsNotAfterMs = Number.isNaN(ms) ? undefined : ms;
  }

  protocol(name: 'smtp' | 'imap'): ProtocolMeter {
    const { total, seconds } = this.writes[name];
    return {
      observe: (command, outcome, s) => {
        total.inc({ command, outcome });
        seconds.observe({ command }, s);
      },
    };
  }

  render(): string {
    return this.registry.render();
  }
}
