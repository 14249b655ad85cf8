/**
 * The messages between the store's thread (intake-thread.ts, the host) and the thread that runs
 * the SMTP sessions (intake-thread-worker.ts). Everything crosses by structured clone: plain data,
 * message bytes as Uint8Array, failures as ReplyDecisions made on the host.
 */
import type { AuthThrottleLimits } from '@tandem/store';
import type { IntakeSession } from './intake-backend.js';
import type { DeliveryRequest } from './deliver-message.js';
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
  | { t: 'tls'; tls: ThreadListenOptions['tls'] }
  | { t: 'answers'; answers: Answer[] };

/** The reply to one question: its value, or the SMTP reply decision its failure made on the host. */
export interface Answer { id: number; value?: unknown; decision?: ReplyDecision }

export type IntakeToHost =
  | { t: 'listening'; addresses: Record<ListenerKind, { host: string; port: number }> }
  | { t: 'listen-failed'; message: string }
  | { t: 'closed' }
  | { t: 'questions'; questions: Question[] }
  | { t: 'log'; level: LogLevel; fields: object; message: string };

export type Question =
  | { t: 'rcpt'; id: number; address: string; session: IntakeSession }
  | { t: 'user'; id: number; username: string }
  | { t: 'deliver'; id: number; request: DeliveryRequest; session: IntakeSession };
