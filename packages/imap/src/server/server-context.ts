/**
 * What every session of one ImapServer shares: the store (read side), the command log (write
 * side), the change hub, caches, throttles and limits. Built once by ImapServer.
 */
import type { SecureContext } from 'node:tls';
import type { CommandLog, StoreReader } from '@tandem/store';
import type { AuthThrottle } from '@tandem/store';
import type { ConnectionLimits } from './connection-limits.js';
import type { ImapLogger } from './imap-logger.js';
import type { MailboxChangeHub } from './mailbox-change-hub.js';
import type { MessageSource } from './message-source.js';
import type { RecentTracker } from './recent-tracker.js';

/**
 * The store's read side as IMAP uses it. `listSubscriptions` (MailStore has it) lets LSUB and
 * LIST (SUBSCRIBED) show subscribed names whose mailbox no longer exists (RFC 9051 §6.3.7);
 * without it only existing subscribed mailboxes are listed.
 */
export type ImapStoreReader = StoreReader & { listSubscriptions?(user: string): string[] };

export interface ServerContext {
  readonly reader: ImapStoreReader;
  readonly commandLog: CommandLog;
  readonly hub: MailboxChangeHub;
  readonly recent: RecentTracker;
  readonly messages: MessageSource;
  readonly throttle: AuthThrottle;
  readonly connections: ConnectionLimits;
  readonly logger: ImapLogger;
  /** For STARTTLS; replaced when the certificate is renewed (ImapServer.updateTls). */
  secureContext: SecureContext;
  /** Plaintext LOGIN/AUTHENTICATE allowed from loopback addresses (dev mode, DESIGN.md §7). */
  readonly devLoopbackPlainAuth: boolean;
  /** The proposer's clock: commands carry its time (apply() never reads one). */
  nowMs(): number;
  /** Name in the greeting and ID response. */
  readonly hostname: string;
  readonly timeouts: SessionTimeouts;
  /** limits.imapCommandsPerSecondMax / imapCommandBurstMax; tests lower them. */
  readonly commandRate: { readonly perSecond: number; readonly burst: number };
}

/** limits.imapIdleTimeoutMs and friends; tests shorten them. */
export interface SessionTimeouts {
  readonly idleTimeoutMs: number;
  readonly unauthenticatedIdleTimeoutMs: number;
  readonly outputStallMs: number;
  readonly idleKeepaliveMs: number;
}
