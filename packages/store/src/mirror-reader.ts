/**
 * The read side of the store (StoreReader), served from the in-memory mirror of the index and the
 * Maildir paths: synchronous except for message bodies. MailStore extends it with the write side;
 * the mirror is protected (not readonly) because MailStore swaps it when a snapshot is restored.
 */
import type { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { limits } from '@tandem/config';
import type { DeliverValue } from './apply-result.js';
import type {
  ArchiveConfig, ArchiveHold, ArchiveRecord, HeldMessage, MailboxRecord, MessageRecord, QueueEntry, ReviewRule, StoreEvents, StoreReader, UserRecord,
} from './store-reader.js';
import type { MailboxRow } from './index-rows.js';
import type { IndexMirror } from './index-mirror.js';
import type { StorePaths } from './store-paths.js';
import { canonicalAddress, parseDomain } from './address.js';
import { INBOX, hierarchyDelimiter, tryMailboxName } from './mailbox-name.js';
import { expandUidSet } from './uid-set.js';
import { ArchivedMessageNotFoundError, MessageNotFoundError, QueuedMessageNotFoundError } from './store-errors.js';

export abstract class MirrorReader implements StoreReader {
  abstract readonly events: EventEmitter<StoreEvents>;

  protected constructor(protected mirror: IndexMirror, readonly paths: StorePaths) {}

  get appliedIndex(): number { return this.mirror.meta.appliedIndex; }

  isLocalDomain(domain: string): boolean {
    try { return this.mirror.domains.has(parseDomain(domain)); } catch { return false; }
  }

  getUser(address: string): UserRecord | undefined {
    const canonical = tryCanonical(address);
    const row = canonical === undefined ? undefined : this.mirror.users.get(canonical);
    if (!row || canonical === undefined) return undefined;
    const record: UserRecord = { address: canonical, passwordHash: row.passwordHash, createdMs: row.createdMs };
    if (row.quotaBytes !== undefined) record.quotaBytes = row.quotaBytes;
    return record;
  }

  listUsers(): UserRecord[] {
    return [...this.mirror.users.keys()].sort().map((a) => this.getUser(a)!);
  }

  listDomains(): string[] { return [...this.mirror.domains.keys()].sort(); }

  listAliases(): Array<{ source: string; target: string }> {
    const out: Array<{ source: string; target: string }> = [];
    for (const source of [...this.mirror.aliases.keys()].sort()) {
      for (const target of [...this.mirror.aliases.get(source)!.keys()].sort()) out.push({ source, target });
    }
    return out;
  }

  /**
   * An exact alias wins over a user of the same address (its targets may include the address
   * itself: "deliver here too"); then the user; then the domain's catch-all ("@domain").
   * Chains are followed up to limits.aliasExpansionDepthMax; a cycle ends its branch.
   */
  resolveRecipient(address: string): string[] {
    const start = tryCanonical(address);
    if (start === undefined) return [];
    const found = new Set<string>();
    const visit = (addr: string, depth: number, path: ReadonlySet<string>): void => {
      if (path.has(addr)) { if (this.mirror.users.has(addr)) found.add(addr); return; }
      if (depth > limits.aliasExpansionDepthMax) return;
      const next = new Set(path).add(addr);
      const targets = this.mirror.aliases.get(addr);
      if (targets) { for (const t of targets.keys()) visit(t, depth + 1, next); return; }
      if (this.mirror.users.has(addr)) { found.add(addr); return; }
      const catchAll = this.mirror.aliases.get(`@${addr.slice(addr.lastIndexOf('@') + 1)}`);
      if (catchAll) for (const t of catchAll.keys()) visit(t, depth + 1, next);
    };
    visit(start, 0, new Set());
    return [...found].sort();
  }

  listMailboxes(user: string): MailboxRecord[] {
    const canonical = tryCanonical(user);
    if (canonical === undefined) return [];
    const rows = [...this.mirror.mailboxesOf(canonical).values()];
    rows.sort((a, b) => (a.name === INBOX ? -1 : b.name === INBOX ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return rows.map((row) => this.mailboxRecord(canonical, row));
  }

  getMailbox(user: string, mailbox: string): MailboxRecord | undefined {
    const found = this.findMailbox(user, mailbox);
    return found && this.mailboxRecord(found.user, found.row);
  }

  listMessages(user: string, mailbox: string): MessageRecord[] {
    const found = this.findMailbox(user, mailbox);
    if (!found) return [];
    const out: MessageRecord[] = [];
    for (const [uid, row] of this.mirror.messagesOf(found.user, found.row.id)) out.push(messageRecord(found.row, uid, row));
    return out;
  }

  /** One message's record, or undefined. */
  getMessage(user: string, mailbox: string, uid: number): MessageRecord | undefined {
    const found = this.findMailbox(user, mailbox);
    const row = found && this.mirror.messagesOf(found.user, found.row.id).get(uid);
    return found && row ? messageRecord(found.row, uid, row) : undefined;
  }

  messagePath(user: string, mailbox: string, uid: number): string | undefined {
    const found = this.findMailbox(user, mailbox);
    const row = found && this.mirror.messagesOf(found.user, found.row.id).get(uid);
    if (!found || !row) return undefined;
    return join(this.paths.folderDir(found.user, found.row.folder), row.file);
  }

  async readMessage(user: string, mailbox: string, uid: number): Promise<Buffer> {
    const path = this.messagePath(user, mailbox, uid);
    if (!path) throw new MessageNotFoundError(user, mailbox, uid);
    return readFile(path);
  }

  /** Subscribed names, which may include mailboxes that no longer exist (RFC 9051 §6.3.7). */
  listSubscriptions(user: string): string[] {
    const canonical = tryCanonical(user);
    return canonical === undefined ? [] : [...(this.mirror.subscriptions.get(canonical) ?? [])].sort();
  }

  listQueue(): QueueEntry[] {
    return [...this.mirror.queue.values()].sort(byArrival);
  }

  queueEntries(): IterableIterator<QueueEntry> { return this.mirror.queue.values(); }

  queueSize(): number { return this.mirror.queue.size; }

  getQueueEntry(queueId: string): QueueEntry | undefined {
    return this.mirror.queue.get(queueId);
  }

  async readQueued(queueId: string): Promise<Buffer> {
    const row = this.mirror.queue.get(queueId);
    if (!row) throw new QueuedMessageNotFoundError(queueId);
    return readFile(join(this.paths.queueDir, row.file));
  }

  listReviewRules(): ReviewRule[] {
    return [...this.mirror.rules.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  listHeld(): HeldMessage[] {
    return [...this.mirror.held.values()].sort(byArrival);
  }

  heldSize(): number { return this.mirror.held.size; }

  getHeld(queueId: string): HeldMessage | undefined {
    return this.mirror.held.get(queueId);
  }

  async readHeld(queueId: string): Promise<Buffer> {
    const row = this.mirror.held.get(queueId);
    if (!row) throw new QueuedMessageNotFoundError(queueId);
    return readFile(join(this.paths.reviewDir, row.file));
  }

  archiveConfig(): ArchiveConfig | undefined { return this.mirror.archiveConfig; }

  archiveRecords(): IterableIterator<ArchiveRecord> { return this.mirror.archive.values(); }

  getArchiveRecord(seq: number): ArchiveRecord | undefined { return this.mirror.archive.get(seq); }

  archiveHead(): { seq: number; hash: string } | undefined { return this.mirror.archiveHead; }

  listArchiveHolds(): ArchiveHold[] {
    return [...this.mirror.archiveHolds.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async readArchived(seq: number): Promise<Buffer> {
    const row = this.mirror.archive.get(seq);
    if (!row || row.file === null) throw new ArchivedMessageNotFoundError(seq);
    return readFile(join(this.paths.archiveDir, row.file));
  }

  findDelivery(dedupeKey: string): DeliverValue | undefined {
    return this.mirror.dedupe.get(dedupeKey)?.value;
  }

  usageBytes(user: string): number {
    const canonical = tryCanonical(user);
    return canonical === undefined ? 0 : this.mirror.usageBytes(canonical);
  }

  expungedSince(user: string, mailbox: string, modSeq: number): number[] {
    const found = this.findMailbox(user, mailbox);
    if (!found) return [];
    const records = this.mirror.expungesOf(found.user, found.row.id);
    const uids: number[] = [];
    for (let i = records.length - 1; i >= 0 && records[i]!.modSeq > modSeq; i--) uids.push(...expandUidSet(records[i]!.uids));
    return uids.sort((a, b) => a - b);
  }

  expungeHistoryFloorModSeq(user: string, mailbox: string): number | undefined {
    const found = this.findMailbox(user, mailbox);
    return found && this.mirror.expungeFloorOf(found.user, found.row.id);
  }

  hasChildren(user: string, mailbox: string): boolean {
    const canonical = tryCanonical(user);
    const name = tryMailboxName(mailbox);
    if (canonical === undefined || name === undefined) return false;
    const prefix = name + hierarchyDelimiter;
    for (const other of this.mirror.mailboxesOf(canonical).keys()) if (other.startsWith(prefix)) return true;
    return false;
  }

  private findMailbox(user: string, mailbox: string): { user: string; row: MailboxRow } | undefined {
    const canonical = tryCanonical(user);
    const name = tryMailboxName(mailbox);
    if (canonical === undefined || name === undefined) return undefined;
    const row = this.mirror.mailbox(canonical, name);
    return row && { user: canonical, row };
  }

  private mailboxRecord(user: string, row: MailboxRow): MailboxRecord {
    const record: MailboxRecord = {
      name: row.name, uidValidity: row.uidValidity, uidNext: row.uidNext, highestModSeq: row.highestModSeq,
      subscribed: this.mirror.subscriptions.get(user)?.has(row.name) ?? false,
      messageCount: this.mirror.messagesOf(user, row.id).size,
    };
    if (row.specialUse !== undefined) record.specialUse = row.specialUse;
    return record;
  }
}

function messageRecord(mailbox: MailboxRow, uid: number, row: { modSeq: number; flags: string[]; sizeBytes: number; internalDateMs: number; file: string }): MessageRecord {
  return {
    uid, modSeq: row.modSeq, flags: [...row.flags], sizeBytes: row.sizeBytes, internalDateMs: row.internalDateMs,
    file: mailbox.folder ? `${mailbox.folder}/${row.file}` : row.file,
  };
}

function tryCanonical(address: string): string | undefined {
  try { return canonicalAddress(address); } catch { return undefined; }
}

/** Oldest first; the queue id breaks ties (same millisecond), so every node lists the same order. */
function byArrival(a: { arrivalMs: number; queueId: string }, b: { arrivalMs: number; queueId: string }): number {
  return a.arrivalMs - b.arrivalMs || (a.queueId < b.queueId ? -1 : a.queueId > b.queueId ? 1 : 0);
}
