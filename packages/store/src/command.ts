/**
 * Every change to the mail store is one of these typed commands. A command is proposed to the
 * command log (packages/store/src/command-log.ts), made durable, and then applied by
 * MailStore.apply() — on one node today, on every data node once the log is Raft.
 *
 * Invariant: a command carries everything apply() needs. apply() never reads a clock, a random
 * source or the network, so the proposer stamps `timestampMs` and computes password hashes and
 * dedupe keys before proposing. UIDs, MODSEQs and Maildir file names are derived by apply() from
 * replicated state and the log index, so every node builds the same store.
 */

/** A full address in lower case domain form, e.g. "demo@example.test". */
export type Address = string;

/** Fields every command carries. */
export interface CommandBase {
  /** Wall-clock time stamped by the proposer (the leader), in ms since the epoch. */
  timestampMs: number;
}

export interface DomainAdd extends CommandBase { type: 'domain.add'; domain: string }
export interface DomainRemove extends CommandBase { type: 'domain.remove'; domain: string }

export interface UserAdd extends CommandBase {
  type: 'user.add';
  address: Address;
  /** An encoded scrypt hash (see packages/store/src/password-hash.ts); never a plain password. */
  passwordHash: string;
  quotaBytes?: number;
}
export interface UserRemove extends CommandBase { type: 'user.remove'; address: Address }
export interface UserPasswd extends CommandBase { type: 'user.passwd'; address: Address; passwordHash: string }
/** Sets the user's storage quota (RFC 9208 STORAGE), or removes it when `quotaBytes` is absent. */
export interface UserQuota extends CommandBase { type: 'user.quota'; address: Address; quotaBytes?: number }

/** `source` is a full address or "@domain" for a catch-all; `target` is a full address. */
export interface AliasAdd extends CommandBase { type: 'alias.add'; source: string; target: Address }
export interface AliasRemove extends CommandBase { type: 'alias.remove'; source: string; target: Address }

/** Mailbox names are IMAP names with "/" as the hierarchy delimiter, UTF-8, e.g. "INBOX", "Sent", "Work/2026". */
export interface MailboxCreate extends CommandBase {
  type: 'mailbox.create';
  user: Address;
  mailbox: string;
  /** RFC 6154 special-use attribute, e.g. "\\Sent". */
  specialUse?: string;
}
export interface MailboxRename extends CommandBase { type: 'mailbox.rename'; user: Address; mailbox: string; newName: string }
export interface MailboxDelete extends CommandBase { type: 'mailbox.delete'; user: Address; mailbox: string }
export interface MailboxSubscribe extends CommandBase { type: 'mailbox.subscribe'; user: Address; mailbox: string; subscribed: boolean }

/** One delivery of one message (bytes as received plus trace headers) to one or more local mailboxes. */
export interface MessageDeliver extends CommandBase {
  type: 'message.deliver';
  /** Hash of envelope + bytes as received (RFC 5321 retries carry the same); a repeat is a no-op. */
  dedupeKey: string;
  /** A short id shown in "250 2.0.0 queued as <id>" and in logs. */
  queueId: string;
  envelope: { mailFrom: string; rcptTo: string[] };
  /** Resolved local recipients (aliases already expanded by the proposer). */
  recipients: Array<{ user: Address; mailbox: string }>;
  message: Uint8Array;
}

/** IMAP APPEND (RFC 9051 §6.3.12). */
export interface MessageAppend extends CommandBase {
  type: 'message.append';
  user: Address;
  mailbox: string;
  message: Uint8Array;
  flags: string[];
  /** INTERNALDATE; defaults to timestampMs when the client gave none. */
  internalDateMs: number;
}

export type StoreOperation = 'add' | 'remove' | 'replace';

/** IMAP STORE (RFC 9051 §6.4.6), with CONDSTORE's UNCHANGEDSINCE (RFC 7162 §3.1.3). */
export interface MessageStore extends CommandBase {
  type: 'message.store';
  user: Address;
  mailbox: string;
  uids: number[];
  operation: StoreOperation;
  flags: string[];
  unchangedSince?: number;
}

/** IMAP COPY / MOVE (RFC 9051 §6.4.7, §6.4.8). */
export interface MessageCopy extends CommandBase {
  type: 'message.copy';
  user: Address;
  mailbox: string;
  uids: number[];
  target: string;
  /** MOVE: expunge the sources in the same transaction. */
  move: boolean;
}

/** IMAP EXPUNGE / UID EXPUNGE / CLOSE: removes the given UIDs if they carry \Deleted. */
export interface MessageExpunge extends CommandBase {
  type: 'message.expunge';
  user: Address;
  mailbox: string;
  /** Only these UIDs (UID EXPUNGE, RFC 4315 §2.1); all \Deleted messages when omitted. */
  uids?: number[];
}

/**
 * A message from an authenticated sender (submission) with recipients in other domains: delivered
 * to its local recipients as message.deliver does, and queued for the remote ones in the same
 * transaction, so the 250 covers both (DESIGN §3). The queue entry is replicated state: the node
 * serving after a failover delivers what the one before it had queued.
 */
export interface MessageSend extends Omit<MessageDeliver, 'type'> {
  type: 'message.send';
  /** RCPT TO addresses outside the local domains, in the order given. */
  remote: string[];
}

/** The outcome of one delivery attempt of a queued message, per remote recipient tried. */
export type QueueOutcome = 'delivered' | 'deferred' | 'failed';
export interface QueueAttempt extends CommandBase {
  type: 'queue.attempt';
  queueId: string;
  /** Parallel arrays: recipients[i] had outcomes[i], with the remote server's reply (or ours) replies[i]. */
  recipients: string[];
  outcomes: QueueOutcome[];
  replies: string[];
  /** When deferred recipients are next tried (the proposer's schedule, limits.outboundRetryDelaysMs). */
  nextAttemptMs: number;
}
/** `tandem queue retry [ID]`: the entry (or every entry) is due now. */
export interface QueueRetry extends CommandBase { type: 'queue.retry'; queueId?: string }
/** `tandem queue delete ID`: the entry and its file are removed; nobody is told (as postsuper -d). */
export interface QueueRemove extends CommandBase { type: 'queue.remove'; queueId: string }

/** Which mail a review rule holds (review.rule.add): by the way it travels. */
export type ReviewDirection = 'any' | 'inbound' | 'outbound' | 'internal';

/**
 * A review rule: mail matching it is held until a reviewer approves it (apply-review.ts). `from`
 * and `to` are an address or "@domain"; every condition given must hold (`to`: any recipient).
 */
export interface ReviewRuleAdd extends CommandBase {
  type: 'review.rule.add';
  name: string;
  from?: string;
  to?: string;
  direction: ReviewDirection;
  /** Local users told of each message held (a notification in their INBOX). */
  reviewers: string[];
}
export interface ReviewRuleRemove extends CommandBase { type: 'review.rule.remove'; name: string }

/** A message a review rule matched: stored aside, delivered (and queued) only when approved. */
export interface MessageHold extends Omit<MessageDeliver, 'type'> {
  type: 'message.hold';
  /** RCPT TO addresses outside the local domains (queued for outbound delivery on approval). */
  remote: string[];
  /** The rule that matched. */
  rule: string;
}
/** A reviewer releases a held message: delivered to its local recipients and queued for the remote ones. */
export interface ReviewApprove extends CommandBase { type: 'review.approve'; queueId: string; reviewer: string }
/** A reviewer refuses a held message: it is removed (the proposer tells the sender why). */
export interface ReviewReject extends CommandBase { type: 'review.reject'; queueId: string; reviewer: string; reason: string }

/** `tandem archive enable | disable`: whether every message accepted from now on is journaled, and for how long it is kept. */
export interface ArchiveConfigure extends CommandBase { type: 'archive.configure'; enabled: boolean; retentionDays?: number }
/** A legal hold: journaled mail from or to the custodian (an address or "@domain") is never expired while it exists. */
export interface ArchiveHoldAdd extends CommandBase { type: 'archive.hold.add'; name: string; custodian: string; reason: string }
export interface ArchiveHoldRemove extends CommandBase { type: 'archive.hold.remove'; name: string }
/** Retention: journal records older than `beforeMs` and under no hold lose their message (the record's hash stays in the chain). */
export interface ArchiveExpire extends CommandBase { type: 'archive.expire'; beforeMs: number }

export type Command =
  | DomainAdd | DomainRemove
  | UserAdd | UserRemove | UserPasswd | UserQuota
  | AliasAdd | AliasRemove
  | MailboxCreate | MailboxRename | MailboxDelete | MailboxSubscribe
  | MessageDeliver | MessageAppend | MessageStore | MessageCopy | MessageExpunge
  | MessageSend | QueueAttempt | QueueRetry | QueueRemove
  | ReviewRuleAdd | ReviewRuleRemove | MessageHold | ReviewApprove | ReviewReject
  | ArchiveConfigure | ArchiveHoldAdd | ArchiveHoldRemove | ArchiveExpire;

export type CommandType = Command['type'];
