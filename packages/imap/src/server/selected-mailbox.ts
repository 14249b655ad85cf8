/**
 * The selected mailbox as ONE session's client sees it: the message sequence number ↔ UID map,
 * the last known flags, and the changes other writers made that the client has not been told yet.
 *
 * Invariant: the sequence numbers never move while a command runs (RFC 3501 §5.5, §7.4.1;
 * RFC 9051 §7.5.1). Store changes only touch the pending sets (and the flags of messages the client
 * knows); the map itself changes in announce(), which the session calls between the end of a
 * command's own responses and its tagged reply, or while idling (RFC 2177). Expunges are told only
 * where the RFC allows them (never during FETCH, STORE or SEARCH by sequence number); new messages
 * are told with EXISTS (and RECENT for IMAP4rev1), flag changes with an untagged FETCH.
 *
 * A message that was expunged but not yet announced keeps its place and its last known data.
 */
import type { MessageRecord, StoreChange, StoreReader } from '@tandem/store';
import { resolveSequenceSet } from '../wire/sequence-set.js';
import type { SequenceSet } from '../wire/sequence-set.js';
import type { ResponseWriter } from '../wire/value-encoder.js';
import { writeExists, writeExpunge, writeRecent, writeVanished } from '../wire/response-encoder.js';
import { ImapBadError } from './imap-errors.js';

export interface ViewMessage {
  readonly uid: number;
  /** Canonical flags (packages/store message-flags.ts); replaced, never mutated. */
  flags: readonly string[];
  modSeq: number;
  readonly sizeBytes: number;
  readonly internalDateMs: number;
  /** The file, relative to the user's Maildir root (MessageRecord.file). */
  readonly file: string;
  /** Expunged in the store; the client has not been told yet. */
  expunged: boolean;
  /** \Recent for this session (RFC 3501 §2.3.2). */
  recent: boolean;
  /** The file's absolute path, once pathOf() has worked it out (the file never moves). */
  path?: string;
}

export interface SelectedMessage {
  /** Message sequence number (1-based) in the client's current view. */
  readonly seq: number;
  readonly message: ViewMessage;
}

export interface AnnounceOptions {
  /** EXPUNGE (or VANISHED) may be sent now (RFC 9051 §7.5.1). */
  readonly expunges: boolean;
  /** RFC 7162 §3.1.4: unsolicited FETCH carries MODSEQ once CONDSTORE is enabled. */
  readonly condstore: boolean;
  /** RFC 7162 §3.2.10: VANISHED instead of EXPUNGE, and UID in every FETCH. */
  readonly qresync: boolean;
  /** RFC 9051: no RECENT responses for an IMAP4rev2 client. */
  readonly rev2: boolean;
}

/** Decides which new messages are \Recent for this session (recent-tracker.ts). */
export type RecentClaim = (uids: readonly number[]) => ReadonlySet<number>;

export type MailboxGone = 'deleted' | 'renamed';

export class SelectedMailbox {
  private messages: ViewMessage[];
  /** `messages` with their sequence numbers, made once per shape of the view (see selectedAll). */
  private selected: SelectedMessage[] | null = null;
  private readonly pendingExpunges = new Set<number>();
  private readonly pendingFlags = new Set<number>();
  private addsPending = false;
  /** UIDs announced by 'message.added' since the last announce (a hint; the store decides). */
  private addedUids: number[] = [];
  /** The user's Maildir root with a trailing "/", once known; null when paths do not follow that shape. */
  private root: string | null | undefined = undefined;
  /** Set when another writer deleted or renamed the mailbox: the session must end. */
  gone: MailboxGone | null = null;
  /** Called after any change that should wake an idling session (RFC 2177). */
  onChange: (() => void) | null = null;

  constructor(
    private readonly reader: StoreReader,
    readonly user: string,
    /** The store's name (Unicode, INBOX normalised). */
    readonly name: string,
    readonly readOnly: boolean,
    readonly uidValidity: number,
    records: readonly MessageRecord[],
    private readonly claimRecent: RecentClaim,
  ) {
    const recent = claimRecent(records.map((r) => r.uid));
    this.messages = records.map((r) => viewMessage(r, recent.has(r.uid)));
  }

  get count(): number { return this.messages.length; }

  get recentCount(): number {
    let n = 0;
    for (const m of this.messages) if (m.recent) n++;
    return n;
  }

  /** Highest UID the client knows (the "*" of a UID set, RFC 9051 §6.4.8). */
  get lastUid(): number {
    return this.messages.length === 0 ? 0 : this.messages[this.messages.length - 1]!.uid;
  }

  /** The messages in sequence order (read-only view, valid until the next announce()). */
  all(): readonly ViewMessage[] { return this.messages; }

  /**
   * Every message with its sequence number, in order. The array and its items are shared (a
   * SEARCH or FETCH 1:* over a large mailbox allocates nothing per message) until announce()
   * changes the view; valid for as long as all() is.
   */
  selectedAll(): readonly SelectedMessage[] {
    return (this.selected ??= this.messages.map((message, i) => ({ seq: i + 1, message })));
  }

  at(seq: number): ViewMessage | undefined { return this.messages[seq - 1]; }

  /** Sequence number of a UID the client knows, or 0. */
  seqOf(uid: number): number {
    const i = this.indexOf(uid);
    return i === -1 ? 0 : i + 1;
  }

  /**
   * The message with this UID the client knows, or undefined. No UID → message map is kept (SELECT
   * of a large mailbox would fill one for every session): UIDs ascend with the sequence numbers,
   * so the position is usually uid − first uid (no gaps) and otherwise a binary search away.
   */
  byUidOrUndefined(uid: number): ViewMessage | undefined {
    const i = this.indexOf(uid);
    return i === -1 ? undefined : this.messages[i];
  }

  private indexOf(uid: number): number {
    const messages = this.messages;
    if (messages.length === 0) return -1;
    const guess = uid - messages[0]!.uid;
    if (guess >= 0 && messages[guess]?.uid === uid) return guess;
    const i = lowerBound(messages, uid);
    return i < messages.length && messages[i]!.uid === uid ? i : -1;
  }

  /**
   * The absolute path of a message's file, or undefined once it is expunged. The user's Maildir
   * root is learnt once from the store (messagePath = root + "/" + MessageRecord.file) so a FETCH
   * over many messages does not resolve the user and mailbox again for each, and each message
   * keeps its path: the same string every time, so the MessageCache lookup does not hash a new one.
   */
  pathOf(m: ViewMessage): string | undefined {
    if (m.expunged) return undefined;
    if (m.path !== undefined) return m.path;
    let path: string | undefined;
    if (this.root === undefined) {
      path = this.reader.messagePath(this.user, this.name, m.uid);
      if (path === undefined) return undefined;
      this.root = path.endsWith(`/${m.file}`) ? path.slice(0, path.length - m.file.length) : null;
    } else {
      path = this.root === null ? this.reader.messagePath(this.user, this.name, m.uid) : this.root + m.file;
    }
    if (path !== undefined) m.path = path;
    return path;
  }

  /** The path of a message's file by UID, also after it was expunged (to drop what is cached for it). */
  pathOfUid(uid: number): string | undefined {
    const m = this.byUidOrUndefined(uid);
    if (!m) return undefined;
    return m.path ?? (this.root ? this.root + m.file : undefined);
  }

  /**
   * The messages a sequence set names, in ascending order. Sequence numbers beyond the mailbox are
   * an error (RFC 9051 §9 seq-number: "a number ... greater than the number of messages ... is
   * invalid"); UIDs that do not exist are skipped (RFC 9051 §6.4.8). "$" takes the saved UIDs.
   */
  resolve(set: SequenceSet, savedUids: readonly number[] | null = null): SelectedMessage[] {
    const out: SelectedMessage[] = [];
    if (set.kind === 'saved') {
      // RFC 5182 §2.1: "$" holds UIDs; those no longer here are simply gone.
      for (const uid of savedUids ?? []) {
        const seq = this.seqOf(uid);
        if (seq > 0) out.push({ seq, message: this.messages[seq - 1]! });
      }
      return out;
    }
    if (set.kind === 'seq') {
      for (const [low, high] of resolveSequenceSet(set.ranges, this.messages.length)) {
        if (high > this.messages.length) throw new ImapBadError('Invalid message sequence number: beyond the last message');
        const all = this.selectedAll();
        for (let seq = low; seq <= high; seq++) out.push(all[seq - 1]!);
      }
      return out;
    }
    const all = this.selectedAll();
    for (const [low, high] of resolveSequenceSet(set.ranges, this.lastUid)) {
      for (let i = lowerBound(this.messages, low); i < this.messages.length && this.messages[i]!.uid <= high; i++) out.push(all[i]!);
    }
    return out;
  }

  /** Takes a change the store applied (any session's, or a delivery). */
  applyChange(change: StoreChange): void {
    switch (change.type) {
      case 'message.added':
        if (change.uid > this.lastUid) {
          this.addsPending = true;
          this.addedUids.push(change.uid);
        }
        break;
      case 'flags.changed': {
        const m = this.byUidOrUndefined(change.uid);
        if (!m || m.expunged) return;
        m.flags = change.flags;
        m.modSeq = change.modSeq;
        this.pendingFlags.add(change.uid);
        break;
      }
      case 'message.expunged': {
        const m = this.byUidOrUndefined(change.uid);
        if (!m || m.expunged) return;
        m.expunged = true;
        this.pendingExpunges.add(change.uid);
        this.pendingFlags.delete(change.uid);
        break;
      }
      case 'mailbox.deleted':
        this.gone = 'deleted';
        break;
      case 'mailbox.renamed':
        this.gone = 'renamed';
        break;
      default:
        return;
    }
    this.onChange?.();
  }

  /** True when announce() would write something. */
  get hasPending(): boolean {
    return this.addsPending || this.pendingFlags.size > 0 || this.pendingExpunges.size > 0 || this.gone !== null;
  }

  /** The client has just been given this message's current flags (e.g. by STORE or FETCH FLAGS). */
  flagsTold(uid: number): void { this.pendingFlags.delete(uid); }

  /**
   * Tells the client what changed: expunges (when allowed), then new messages, then flag changes.
   * Expunges come in ascending order, each number valid after the ones before it (RFC 9051 §7.5.1).
   */
  announce(out: ResponseWriter, options: AnnounceOptions): void {
    if (options.expunges && this.pendingExpunges.size > 0) this.announceExpunges(out, options.qresync);
    if (this.addsPending) this.announceAdds(out, options.rev2);
    if (this.pendingFlags.size > 0) {
      const seqs = [...this.pendingFlags].map((uid) => this.seqOf(uid)).filter((s) => s > 0).sort((a, b) => a - b);
      this.pendingFlags.clear();
      for (const seq of seqs) writeFlagsFetch(out, seq, this.messages[seq - 1]!, options);
    }
  }

  private announceExpunges(out: ResponseWriter, qresync: boolean): void {
    const gone: number[] = [];
    const kept: ViewMessage[] = [];
    this.messages.forEach((m, i) => {
      if (m.expunged) {
        if (!qresync) writeExpunge(out, i + 1 - gone.length);
        gone.push(m.uid);
      } else {
        kept.push(m);
      }
    });
    // RFC 7162 §3.2.10: once QRESYNC is enabled, VANISHED replaces EXPUNGE.
    if (qresync && gone.length > 0) writeVanished(out, gone, false);
    this.messages = kept;
    this.selected = null;
    this.pendingExpunges.clear();
  }

  /** Messages in the store above the last UID the client knows, ascending. */
  private freshRecords(): MessageRecord[] {
    const added = this.addedUids;
    this.addedUids = [];
    const single = this.reader as Partial<SingleMessageReader>;
    if (typeof single.getMessage === 'function') {
      const last = this.lastUid;
      const uids = [...new Set(added)].filter((uid) => uid > last).sort((a, b) => a - b);
      return uids.flatMap((uid) => single.getMessage!(this.user, this.name, uid) ?? []);
    }
    const records = this.reader.listMessages(this.user, this.name);
    return records.slice(lowerBound(records, this.lastUid + 1));
  }

  private announceAdds(out: ResponseWriter, rev2: boolean): void {
    this.addsPending = false;
    const fresh = this.freshRecords();
    if (fresh.length === 0) return;
    const recent = this.claimRecent(fresh.map((r) => r.uid));
    for (const r of fresh) {
      const m = viewMessage(r, recent.has(r.uid));
      this.messages.push(m);
      this.selected = null;
    }
    writeExists(out, this.messages.length);
    if (!rev2) writeRecent(out, this.recentCount);
  }
}

/** A reader that can look up one message (MailStore can): new messages without listing the mailbox. */
interface SingleMessageReader { getMessage(user: string, mailbox: string, uid: number): MessageRecord | undefined }

/**
 * `* n FETCH ([UID u] FLAGS (...) [MODSEQ (m)])` for a flag change the client did not ask for.
 * RFC 7162 §3.2.4: once CONDSTORE is enabled, a server that offers QRESYNC (this one does) includes
 * UID and MODSEQ in every untagged FETCH, whatever caused it.
 */
export function writeFlagsFetch(out: ResponseWriter, seq: number, m: ViewMessage, options: { condstore: boolean; qresync: boolean }): void {
  let line = `* ${seq} FETCH (`;
  if (options.condstore || options.qresync) line += `UID ${m.uid} `;
  line += `FLAGS (${flagsWithRecent(m).join(' ')})`;
  if (options.condstore) line += ` MODSEQ (${m.modSeq})`;
  out.write(`${line})\r\n`);
}

/** The flags FETCH reports: the stored ones plus \Recent (RFC 3501 §2.3.2; never stored). */
export function flagsWithRecent(m: ViewMessage): readonly string[] {
  return m.recent ? [...m.flags, '\\Recent'] : m.flags;
}

function viewMessage(r: MessageRecord, recent: boolean): ViewMessage {
  // `path` is there from the start (undefined until pathOf), so every view message keeps one shape.
  return { uid: r.uid, flags: r.flags, modSeq: r.modSeq, sizeBytes: r.sizeBytes, internalDateMs: r.internalDateMs, file: r.file, expunged: false, recent, path: undefined };
}

/** First index whose uid is >= `uid` (the arrays are in ascending UID order). */
function lowerBound(items: ReadonlyArray<{ readonly uid: number }>, uid: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]!.uid < uid) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
