/**
 * The messages between the store's thread (intake-thread.ts, the host) and the thread that runs
 * the SMTP sessions (intake-thread-worker.ts). Everything crosses by structured clone: plain data,
 * message bytes as Uint8Array, failures as ReplyDecisions made on the host.
 */
import type { AuthThrottleLimits } from '@tandem/store';
import type { AuthUser, IntakeSession } from './intake-backend.js';
import type { DeliveryOutcome, DeliveryRequest } from './deliver-message.js';
import type { ListenerKind } from './smtp-intake.js';
import type { ReplyDecision } from './smtp-reply-for-error.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** SmtpIntakeOptions without the parts that stay on the host (backend, logger, clock). */
export interface ThreadListenOptions {
  hostname: string;
  listenHost: string;
  ports: Record<ListenerKind, number>;
  tls: { key: string; cert: string };
  messageSizeBytesMax: number;
  authThrottle?: AuthThrottleLimits;
  bufferedBytesMax?: number;
}

export type HostToIntake =
  | { t: 'listen'; options: ThreadListenOptions; logLevels: LogLevel[] }
  | { t: 'close' }
  | { t: 'answer'; id: number; value?: unknown; decision?: ReplyDecision };

export type IntakeToHost =
  | { t: 'listening'; addresses: Record<ListenerKind, { host: string; port: number }> }
  | { t: 'listen-failed'; message: string }
  | { t: 'closed' }
  | { t: 'rcpt'; id: number; address: string; session: IntakeSession }
  | { t: 'user'; id: number; username: string }
  | { t: 'deliver'; id: number; request: DeliveryRequest; session: IntakeSession }
  | { t: 'log'; level: LogLevel; fields: object; message: string };

/** What each question resolves with on the sessions' side. */
export type Answer<T extends IntakeToHost['t']> = T extends 'user' ? AuthUser | undefined : T extends 'deliver' ? DeliveryOutcome : undefined;
