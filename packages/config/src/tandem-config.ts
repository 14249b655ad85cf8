/**
 * The validated configuration of one tandemd process. Everything here has been checked by
 * validateConfig(); paths are absolute.
 */
import type { ClusterConfig, MemberRole } from './cluster-config.js';
import type { OutboundConfig } from './outbound-config.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface TlsConfig {
  /** PEM certificate chain (leaf first). */
  certFile: string;
  /** PEM private key of the leaf certificate. */
  keyFile: string;
}

export interface TandemConfig {
  /** Dev mode: one node, loopback, unprivileged ports, self-signed TLS, demo user. */
  dev: boolean;
  /** Mail, index, command log, certificate, admin socket and token. */
  dataDir: string;
  /** This server's name: the SMTP greeting and the "by" clause of Received headers (RFC 5321 §4.4). */
  hostname: string;
  /** Address every listener binds to. */
  listenHost: string;
  smtp: {
    /** MX: mail from the world for local domains (25 in production). */
    port: number;
    /** Submission with STARTTLS (RFC 6409; 587 in production). */
    submissionPort: number;
    /** Submission over implicit TLS (RFC 8314 §3.3; 465 in production). */
    submissionsPort: number;
    /** Largest message accepted, advertised in EHLO SIZE (RFC 1870). */
    messageSizeBytesMax: number;
  };
  /** Reserved for the IMAP issue: validated now so a config written today keeps working. */
  imap: { port: number; imapsPort: number };
  /** Certificate and key; absent in dev mode, where a self-signed pair is made in the data dir. */
  tls: TlsConfig | undefined;
  /** Domains that must exist; added at start when missing (more can be added with `tandem domain add`). */
  domains: string[];
  admin: { socketPath: string };
  log: { level: LogLevel };
  /** Dev mode only: the demo user's password (otherwise generated once and kept in the data dir). */
  demoPassword: string | undefined;
  /**
   * `data` (store, SMTP and IMAP while leader) or `witness` (Raft log only, never clients, never the
   * VIP; DESIGN §2). From this node's entry in cluster.members; `data` without a cluster.
   */
  role: MemberRole;
  /** Absent: one node on its own, with the local command log (dev mode, single-node installs). */
  cluster: ClusterConfig | undefined;
  /** Prometheus `/metrics` over HTTP; absent: no metrics listener. */
  metrics: MetricsConfig | undefined;
  /** Mail for other domains (outbound-config.ts); absent: outbound delivery is off. */
  outbound: OutboundConfig | undefined;
}

export interface MetricsConfig {
  /** Same port on every address (and on every member: `tandem cluster status` asks the others there). */
  port: number;
  /** Addresses to listen on: loopback, and the cluster links for scraping; never the VIP. */
  listen: string[];
}

export const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Defaults that differ between dev mode and production. */
export const devDefaults = {
  dataDir: '.tandem',
  listenHost: '127.0.0.1',
  smtpPort: 2525,
  submissionPort: 2587,
  submissionsPort: 2465,
  imapPort: 2143,
  imapsPort: 2993,
} as const;

export const productionDefaults = {
  dataDir: '/var/lib/tandem',
  listenHost: '0.0.0.0',
  smtpPort: 25,
  submissionPort: 587,
  submissionsPort: 465,
  imapPort: 143,
  imapsPort: 993,
} as const;
