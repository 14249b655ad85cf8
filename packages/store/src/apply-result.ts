import type { Address } from './command.js';

/**
 * Store error taxonomy (after Dovecot's lib-storage MAIL_ERROR_*). Mapped once to IMAP response
 * codes and SMTP replies at each protocol boundary. These are deterministic outcomes of apply():
 * every node computes the same one.
 */
export type StoreErrorCode =
  | 'NOTFOUND'     // no such user / domain / mailbox / message
  | 'EXISTS'       // already exists
  | 'NOQUOTA'      // over quota (RFC 9208 OVERQUOTA / SMTP 552 5.2.2)
  | 'NOPERM'       // not allowed (e.g. deleting INBOX)
  | 'INVALID'      // a bad name or argument that got past the protocol parser
  | 'MODIFIED';    // CONDSTORE UNCHANGEDSINCE failed for every UID; the message is that UID set, e.g. "1:3,7" (RFC 7162 §3.1.3)

export interface DeliverValue {
  queueId: string;
  /** True when the dedupe key was seen before: nothing new was stored; `deliveries` are the originals. */
  duplicate: boolean;
  deliveries: Array<{ user: Address; mailbox: string; uidValidity: number; uid: number }>;
  /** Remote recipients queued for delivery (message.send); absent for a local delivery. */
  queued?: string[];
  /** The review rule that held the message (message.hold): delivered only once approved. */
  held?: string;
}
export interface AppendValue { uidValidity: number; uid: number }
export interface CopyValue { uidValidity: number; sourceUids: number[]; targetUids: number[]; expungedUids: number[] }
export interface StoreValue {
  /** The messages whose flags the STORE changed, with their new flags and MODSEQ, ascending by UID. */
  updated: Array<{ uid: number; flags: string[]; modSeq: number }>;
  /** UIDs not changed because of UNCHANGEDSINCE (RFC 7162 §3.1.3 MODIFIED response code). */
  modified: number[];
}
export interface ExpungeValue { expungedUids: number[]; highestModSeq: number }
export interface MailboxValue { uidValidity: number }

/** queue.attempt: the recipients still pending, and whether the entry (with its file) is gone. */
export interface QueueAttemptValue { pending: number; removed: boolean }
/** queue.retry / queue.remove: how many entries it touched. */
export interface QueueCountValue { count: number }

export type ApplyValue = QueueAttemptValue | QueueCountValue | DeliverValue | AppendValue | CopyValue | StoreValue | ExpungeValue | MailboxValue | null;

export type ApplyResult<V extends ApplyValue = ApplyValue> =
  | { ok: true; index: number; value: V }
  | { ok: false; index: number; error: StoreErrorCode; message: string };
