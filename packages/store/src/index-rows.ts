/**
 * The LevelDB index schema: every key and row type in one place. Keys are UTF-8 strings whose
 * parts are joined with NUL (never valid inside an address, mailbox name or dedupe key), so a
 * prefix scan of "msg\0<user>\0" sees exactly one user's messages. Values are JSON.
 *
 *   meta                                   MetaRow      the applied log index and its result
 *   domain\0<domain>                       DomainRow
 *   user\0<address>                        UserRow
 *   alias\0<source>\0<target>              AliasRow     source is an address or "@domain"
 *   mbox\0<user>\0<mailbox name>           MailboxRow
 *   msg\0<user>\0<mailbox id>\0<uid, 10 digits>  MessageRow  (keyed by the mailbox's stable id, so a
 *                                                            rename rewrites no message rows)
 *   sub\0<user>\0<mailbox name>            {}           subscriptions (RFC 9051 §6.3.7: may outlive the mailbox)
 *   dedupe\0<key>                          DedupeRow
 *   gc\0<log index, 20 digits>\0<n>        GcRow        paths to delete once the batch is durable
 *   expunged\0<user>\0<mailbox id>\0<modseq, 20 digits>  ExpungedRow  UIDs one command expunged, with
 *                                                            their MODSEQ (RFC 7162 §3.2, for VANISHED)
 *   expungefloor\0<user>\0<mailbox id>    ExpungeFloorRow  the expunge history is complete above this
 *                                                        MODSEQ (absent: complete since the mailbox began)
 *   queue\0<queue id>                      QueueRow     a message waiting for remote recipients (apply-queue.ts);
 *                                                        its file is `<data>/mail/.queue/<row.file>`
 *   rule\0<name>                           ReviewRuleRow  a review rule (apply-review.ts)
 *   archcfg                                ArchiveConfigRow  whether mail is journaled, and the retention (apply-archive.ts)
 *   archhead                               ArchiveHeadRow   the journal's last sequence number and hash
 *   arch\0<seq, 20 digits>                 ArchiveRow   one journaled message; its file is `<data>/mail/.archive/<row.file>`
 *   archhold\0<name>                       ArchiveHoldRow   a legal hold
 *   held\0<queue id>                       HeldRow      a message held for review; its file is
 *                                                        `<data>/mail/.review/<row.file>`
 *
 * One row is this node's own bookkeeping, not replicated state, and is skipped wherever the state
 * is read (mirror, dumps, digests, snapshots; isLocalKey):
 *
 *   checkpoint                             CheckpointRow  every file and row up to this log index is
 *                                                         fsynced (mail-store.ts, store-checkpoint.ts)
 */
import type { ApplyResult, DeliverValue } from './apply-result.js';

export interface MetaRow { appliedIndex: number; lastResult: ApplyResult | null }
export interface DomainRow { createdMs: number }
export interface UserRow { passwordHash: string; quotaBytes?: number; createdMs: number }
export interface AliasRow { createdMs: number }
export interface MailboxRow {
  /** Stable for the mailbox's life (survives rename): "<log index of the create>.<n>". */
  id: string;
  name: string;
  /** Maildir++ folder relative to the user's root ("" for INBOX). */
  folder: string;
  specialUse?: string;
  uidValidity: number;
  uidNext: number;
  highestModSeq: number;
}
export interface MessageRow {
  modSeq: number;
  flags: string[];
  sizeBytes: number;
  internalDateMs: number;
  /** Relative to the mailbox folder, e.g. "new/1700000000.L12R0.tandem,S=4096". */
  file: string;
}
export interface SubscriptionRow { subscribed: true }
export interface DedupeRow { value: DeliverValue; expiresMs: number }
/** A path relative to `<data>/mail` to remove (file or directory tree). */
export interface GcRow { path: string }
/** The UIDs expunged at one MODSEQ, as a compact UID set ("1:3,7", uid-set.ts). */
export interface ExpungedRow { uids: string }
export interface ExpungeFloorRow { modSeq: number }
export interface CheckpointRow { index: number }
/** One remote recipient of a queued message. `reply` is the last answer (the remote server's, or why there was none). */
export interface QueueRecipientRow {
  address: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  reply?: string;
  lastAttemptMs?: number;
}
export interface ReviewRuleRow {
  name: string;
  from?: string;
  to?: string;
  direction: 'any' | 'inbound' | 'outbound' | 'internal';
  reviewers: string[];
  createdMs: number;
}
export interface HeldRow {
  queueId: string;
  rule: string;
  mailFrom: string;
  rcptTo: string[];
  /** Local users it goes to when approved (aliases expanded when it arrived). */
  users: string[];
  /** Remote recipients, queued when approved. */
  remote: string[];
  /** "new/<seconds>.L<index>R<n>.tandem,S=<size>", relative to the review folder. */
  file: string;
  sizeBytes: number;
  arrivalMs: number;
  /** The dedupe key of the transaction, so a retry while held is still answered 250 and stores nothing. */
  dedupeKey: string;
}
export interface ArchiveConfigRow { enabled: boolean; retentionDays?: number; changedMs: number }
export interface ArchiveHeadRow { seq: number; hash: string }
/**
 * One journaled message. `hash` chains it to the record before (apply-archive.ts); `file` is null
 * once retention expired it (the record, and so the chain, stays).
 */
export interface ArchiveRow {
  seq: number;
  /** The log index of the command that accepted the message. */
  index: number;
  timestampMs: number;
  queueId: string;
  mailFrom: string;
  rcptTo: string[];
  sizeBytes: number;
  /** sha256 of the message bytes (hex). */
  sha256: string;
  /** Raw header values (RFC 2047 words not decoded), cut to limits.archiveHeaderCharsMax. */
  subject: string;
  from: string;
  messageId: string;
  prevHash: string;
  hash: string;
  file: string | null;
  expiredMs?: number;
}
export interface ArchiveHoldRow { name: string; custodian: string; reason: string; createdMs: number }
export interface QueueRow {
  queueId: string;
  /** The envelope sender ("" for the null reverse-path of a bounce, RFC 5321 §4.5.5). */
  mailFrom: string;
  /** "new/<seconds>.L<index>R<n>.tandem,S=<size>", relative to the queue folder. */
  file: string;
  sizeBytes: number;
  arrivalMs: number;
  nextAttemptMs: number;
  /** Attempts made so far (deliveries of this message, whatever their outcome). */
  attempts: number;
  recipients: QueueRecipientRow[];
}

export type BatchOp = { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string };

const SEP = '\u0000';

/** The key of the node-local checkpoint row (see the file comment). */
export const checkpointKey = 'checkpoint';

/** Rows that are this node's bookkeeping and not part of the store's state. */
export function isLocalKey(key: string): boolean { return key === checkpointKey; }

export const keys = {
  meta: 'meta',
  domain: (domain: string) => `domain${SEP}${domain}`,
  user: (address: string) => `user${SEP}${address}`,
  alias: (source: string, target: string) => `alias${SEP}${source}${SEP}${target}`,
  mailbox: (user: string, name: string) => `mbox${SEP}${user}${SEP}${name}`,
  message: (user: string, mailboxId: string, uid: number) => `msg${SEP}${user}${SEP}${mailboxId}${SEP}${String(uid).padStart(10, '0')}`,
  subscription: (user: string, name: string) => `sub${SEP}${user}${SEP}${name}`,
  dedupe: (key: string) => `dedupe${SEP}${key}`,
  gc: (index: number, n: number) => `gc${SEP}${String(index).padStart(20, '0')}${SEP}${n}`,
  expunged: (user: string, mailboxId: string, modSeq: number) => `expunged${SEP}${user}${SEP}${mailboxId}${SEP}${String(modSeq).padStart(20, '0')}`,
  expungeFloor: (user: string, mailboxId: string) => `expungefloor${SEP}${user}${SEP}${mailboxId}`,
  queue: (queueId: string) => `queue${SEP}${queueId}`,
  rule: (name: string) => `rule${SEP}${name}`,
  held: (queueId: string) => `held${SEP}${queueId}`,
  archiveConfig: 'archcfg',
  archiveHead: 'archhead',
  archive: (seq: number) => `arch${SEP}${String(seq).padStart(20, '0')}`,
  archiveHold: (name: string) => `archhold${SEP}${name}`,
} as const;

export type ParsedKey =
  | { kind: 'meta' }
  | { kind: 'domain'; domain: string }
  | { kind: 'user'; address: string }
  | { kind: 'alias'; source: string; target: string }
  | { kind: 'mbox'; user: string; name: string }
  | { kind: 'msg'; user: string; mailboxId: string; uid: number }
  | { kind: 'sub'; user: string; name: string }
  | { kind: 'dedupe'; key: string }
  | { kind: 'gc'; key: string }
  | { kind: 'expunged'; user: string; mailboxId: string; modSeq: number }
  | { kind: 'expungefloor'; user: string; mailboxId: string }
  | { kind: 'queue'; queueId: string }
  | { kind: 'rule'; name: string }
  | { kind: 'held'; queueId: string }
  | { kind: 'archcfg' } | { kind: 'archhead' }
  | { kind: 'arch'; seq: number }
  | { kind: 'archhold'; name: string };

/** The inverse of `keys`; throws on a key this schema does not know (a corrupt or foreign index). */
export function parseKey(key: string): ParsedKey {
  const parts = key.split(SEP);
  const [kind, a, b, c] = parts;
  // checkArity is a module-level function, not a closure made per call: this runs for every row of
  // every commit, and under tsx each such closure is also named at run time (esbuild's keepNames).
  switch (kind) {
    case 'meta': checkArity(parts, 1, key); return { kind };
    case 'domain': checkArity(parts, 2, key); return { kind, domain: a! };
    case 'user': checkArity(parts, 2, key); return { kind, address: a! };
    case 'alias': checkArity(parts, 3, key); return { kind, source: a!, target: b! };
    case 'mbox': checkArity(parts, 3, key); return { kind, user: a!, name: b! };
    case 'msg': checkArity(parts, 4, key); return { kind, user: a!, mailboxId: b!, uid: Number(c) };
    case 'sub': checkArity(parts, 3, key); return { kind, user: a!, name: b! };
    case 'dedupe': checkArity(parts, 2, key); return { kind, key: a! };
    case 'gc': checkArity(parts, 3, key); return { kind, key };
    case 'expunged': checkArity(parts, 4, key); return { kind, user: a!, mailboxId: b!, modSeq: Number(c) };
    case 'expungefloor': checkArity(parts, 3, key); return { kind, user: a!, mailboxId: b! };
    case 'queue': checkArity(parts, 2, key); return { kind, queueId: a! };
    case 'rule': checkArity(parts, 2, key); return { kind, name: a! };
    case 'held': checkArity(parts, 2, key); return { kind, queueId: a! };
    case 'archcfg': checkArity(parts, 1, key); return { kind };
    case 'archhead': checkArity(parts, 1, key); return { kind };
    case 'arch': checkArity(parts, 2, key); return { kind, seq: Number(a) };
    case 'archhold': checkArity(parts, 2, key); return { kind, name: a! };
    default: throw new Error(`unknown index key ${JSON.stringify(key)}`);
  }
}

function checkArity(parts: readonly string[], n: number, key: string): void {
  if (parts.length !== n) throw new Error(`bad index key ${JSON.stringify(key)}`);
}

/**
 * The ops of a batch with only the last write of each key: a run of deliveries rewrites the same
 * mailbox row and the meta row once per entry, and LevelDB would store (and encode) every one.
 * A batch is atomic, so the outcome is the same.
 */
export function lastWritePerKey(ops: readonly BatchOp[]): BatchOp[] {
  const seen = new Set<string>();
  const kept: BatchOp[] = [];
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i]!;
    if (seen.has(op.key)) continue;
    seen.add(op.key);
    kept.push(op);
  }
  return kept.reverse();
}
