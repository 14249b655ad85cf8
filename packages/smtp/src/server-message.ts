/**
 * Messages the server itself writes — delivery reports (bounces, delay warnings, a reviewer's
 * refusal) and the reviewers' notices — as the commands that store them: from the null sender
 * (RFC 5321 §4.5.5: nobody answers them), into local users' INBOXes, stored once per dedupe key so
 * a repeat after a failover or a retry is a no-op.
 */
import type { MessageDeliver } from '@tandem/store';
import { composeDsn, type DsnInput } from './outbound/delivery-status.js';
import { newQueueId } from './queue-id.js';

export interface ServerMessage {
  /** The envelope recipients, as the report names them. */
  rcptTo: string[];
  /** The local users it is stored for. */
  users: string[];
  dedupeKey: string;
  message: Buffer;
  timestampMs: number;
}

export function serverMessage(m: ServerMessage): MessageDeliver {
  return {
    type: 'message.deliver', timestampMs: m.timestampMs, dedupeKey: m.dedupeKey, queueId: newQueueId(),
    envelope: { mailFrom: '', rcptTo: m.rcptTo }, recipients: m.users.map((user) => ({ user, mailbox: 'INBOX' })), message: m.message,
  };
}

/** A delivery status notification from this server: its host name reports, its MAILER-DAEMON signs. */
export function serverDsn(hostname: string, input: Omit<DsnInput, 'reportingMta' | 'postmaster'>): Buffer {
  return composeDsn({ ...input, reportingMta: hostname, postmaster: `MAILER-DAEMON@${hostname}` });
}
