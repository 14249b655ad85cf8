import type { EventEmitter } from 'node:events';
import type { Address } from './command.js';
import type { DeliverValue } from './apply-result.js';
import type {
  ArchiveConfigRow as ArchiveConfig, ArchiveHoldRow as ArchiveHold, ArchiveRow as ArchiveRecord,
  HeldRow as HeldMessage, QueueRow as QueueEntry, ReviewRuleRow as ReviewRule,
} from './index-rows.js';

/** One message in a mailbox, as the index holds it. Flags live here, never in file names. */
export interface MessageRecord {
  uid: number;
  modSeq: number;
  /** System flags ("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft") and keywords. */
  flags: string[];
  /** Exact size of the stored file: RFC822.SIZE. */
  sizeBytes: number;
  internalDateMs: number;
  /** Path of the file relative to the user's Maildir root, e.g. "cur/1700000000.M12P0.tandem:2," or ".Sent/cur/…". */
  file: string;
}

export interface MailboxRecord {
  name: string;
  specialUse?: string;
  uidValidity: number;
  uidNext: number;
  highestModSeq: number;
  subscribed: boolean;
  messageCount: number;
}

export interface UserRecord {
  address: Address;
  passwordHash: string;
  quotaBytes?: number;
  createdMs: number;
}

/** A message in the outbound queue (apply-queue.ts), as the index holds it. */
export type { QueueRow as QueueEntry, QueueRecipientRow as QueueRecipient } from './index-rows.js';
/** The archive journal (apply-archive.ts), as the index holds it. */
export type { ArchiveRow as ArchiveRecord, ArchiveHoldRow as ArchiveHold, ArchiveConfigRow as ArchiveConfig } from './index-rows.js';
/** A review rule and a message held by one (apply-review.ts), as the index holds them. */
export type { ReviewRuleRow as ReviewRule, HeldRow as HeldMessage } from './index-rows.js';

export interface StoreEvents { change: [StoreChange]; directory: [] }

/** What changed, for IMAP IDLE and other sessions on the same mailbox (RFC 9051 §7.4.1, §7.5). */
export type StoreChange =
  | { type: 'message.added'; user: Address; mailbox: string; uid: number; modSeq: number; index: number }
  | { type: 'flags.changed'; user: Address; mailbox: string; uid: number; flags: string[]; modSeq: number; index: number }
  | { type: 'message.expunged'; user: Address; mailbox: string; uid: number; modSeq: number; index: number }
  | { type: 'mailbox.created' | 'mailbox.deleted'; user: Address; mailbox: string; index: number }
  | { type: 'mailbox.renamed'; user: Address; mailbox: string; newName: string; index: number };

/**
 * The read side of the store. Reads are served from the applied state (an in-memory mirror of the
 * LevelDB index, kept in step by apply()), so they are synchronous except for message bodies.
 */
export interface StoreReader {
  readonly appliedIndex: number;
  isLocalDomain(domain: string): boolean;
  getUser(address: Address): UserRecord | undefined;
  listUsers(): UserRecord[];
  listDomains(): string[];
  listAliases(): Array<{ source: string; target: Address }>;
  /** Expands aliases and catch-alls to local user addresses; [] when the address reaches nobody. */
  resolveRecipient(address: string): Address[];
  listMailboxes(user: Address): MailboxRecord[];
  getMailbox(user: Address, mailbox: string): MailboxRecord | undefined;
  /** Messages in ascending UID order. */
  listMessages(user: Address, mailbox: string): MessageRecord[];
  /** Absolute path of the message file, or undefined when there is no such message. */
  messagePath(user: Address, mailbox: string, uid: number): string | undefined;
  readMessage(user: Address, mailbox: string, uid: number): Promise<Buffer>;
  /** The earlier outcome of a delivery with this dedupe key, if it is still remembered. */
  findDelivery(dedupeKey: string): DeliverValue | undefined;
  /** The outbound queue, oldest first (by arrival, then queue id). */
  listQueue(): QueueEntry[];
  /** The same entries unsorted, without a copy: for the delivery agent's scan every second. */
  queueEntries(): IterableIterator<QueueEntry>;
  queueSize(): number;
  getQueueEntry(queueId: string): QueueEntry | undefined;
  /** The queued message's bytes; throws QueuedMessageNotFoundError when the entry is gone. */
  readQueued(queueId: string): Promise<Buffer>;
  /** Review rules by name. */
  listReviewRules(): ReviewRule[];
  /** Messages held for review, oldest first. */
  listHeld(): HeldMessage[];
  heldSize(): number;
  getHeld(queueId: string): HeldMessage | undefined;
  /** A held message's bytes; throws QueuedMessageNotFoundError when it is no longer held. */
  readHeld(queueId: string): Promise<Buffer>;
  /** Whether the archive journals mail, and its retention; undefined until first configured. */
  archiveConfig(): ArchiveConfig | undefined;
  /** The journal's records, ascending by sequence number (expired ones included). */
  archiveRecords(): IterableIterator<ArchiveRecord>;
  getArchiveRecord(seq: number): ArchiveRecord | undefined;
  /** The last record's sequence number and hash (the chain's head). */
  archiveHead(): { seq: number; hash: string } | undefined;
  listArchiveHolds(): ArchiveHold[];
  /** A journaled message's bytes; throws ArchivedMessageNotFoundError when the record has none (expired, or no such record). */
  readArchived(seq: number): Promise<Buffer>;
  /** Sum of the sizes of all of the user's messages (RFC 9208 STORAGE). */
  usageBytes(user: Address): number;
  /**
   * UIDs expunged from the mailbox with a MODSEQ above `modSeq`, ascending (RFC 7162 §3.2.5.2,
   * §3.2.6 VANISHED). Complete only when `modSeq >= expungeHistoryFloorModSeq(...)`; below the
   * floor it lists only what is still remembered, and QRESYNC must fall back to reporting every
   * known UID that is no longer in the mailbox. [] for a mailbox that does not exist.
   */
  expungedSince(user: Address, mailbox: string, modSeq: number): number[];
  /**
   * The MODSEQ above which the mailbox's expunge history is complete: 0 until the history's bound
   * (limits.expungeHistoryUidsMax) first dropped something; undefined for a mailbox that does not exist.
   */
  expungeHistoryFloorModSeq(user: Address, mailbox: string): number | undefined;
  /**
   * True when some existing mailbox lies below `mailbox` in the hierarchy, whether or not
   * `mailbox` itself exists. LIST then shows an existing name with \HasChildren (RFC 9051 §7.3.1,
   * RFC 3348) and a missing one that has children as \NonExistent \HasChildren (RFC 5258 §3:
   * a deleted parent whose inferiors remain, RFC 9051 §6.3.5).
   */
  hasChildren(user: Address, mailbox: string): boolean;
  /**
   * Emits 'change' with a StoreChange after each applied change, and 'directory' after a change of
   * domains, users or aliases was applied (or the state was replaced by a snapshot): whoever keeps
   * answers of recipient checks drops them (the SMTP sessions' thread, intake-thread.ts).
   */
  readonly events: EventEmitter<StoreEvents>;
}
