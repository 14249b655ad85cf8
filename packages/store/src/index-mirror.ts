/**
 * The in-memory mirror of the LevelDB index. It is built by feeding it every row at open and
 * then every batch apply() commits, through the same applyOp(): so the mirror and LevelDB hold
 * the same rows by construction, and reads can be synchronous.
 *
 * Rows held here are never mutated in place: apply() builds new row objects and commits them.
 */
import type {
  AliasRow, BatchOp, DedupeRow, DomainRow, ExpungeFloorRow, ExpungedRow, GcRow, MailboxRow, MessageRow, MetaRow, QueueRow, UserRow, ReviewRuleRow, HeldRow, ArchiveConfigRow, ArchiveHeadRow, ArchiveRow, ArchiveHoldRow,
} from './index-rows.js';
import { keys, parseKey } from './index-rows.js';
import { limits } from '@tandem/config';
import { ExpiryHeap } from './expiry-heap.js';
import { uidSetSize } from './uid-set.js';

/** One expunge in a mailbox's history: the UIDs (compact set) it removed and how many. */
export interface ExpungeRecord { modSeq: number; uids: string; count: number }

export class IndexMirror {
  meta: MetaRow = { appliedIndex: 0, lastResult: null };
  readonly domains = new Map<string, DomainRow>();
  readonly users = new Map<string, UserRow>();
  /** source → target → row */
  readonly aliases = new Map<string, Map<string, AliasRow>>();
  /** user → mailbox name → row */
  readonly mailboxes = new Map<string, Map<string, MailboxRow>>();
  /** "<user>\0<mailbox id>" → uid → row, in ascending UID order */
  private readonly messages = new Map<string, Map<number, MessageRow>>();
  /** Highest UID ever inserted per message map, to keep the ascending order cheaply. */
  private readonly maxUid = new Map<string, number>();
  readonly subscriptions = new Map<string, Set<string>>();
  /** user → sum of message sizes (RFC 9208 STORAGE) */
  private readonly usage = new Map<string, number>();
  readonly dedupe = new Map<string, DedupeRow>();
  readonly dedupeExpiry = new ExpiryHeap();
  readonly gc = new Map<string, GcRow>();
  /** "<user>\0<mailbox id>" → expunge records in ascending MODSEQ order (RFC 7162 §3.2) */
  private readonly expunges = new Map<string, ExpungeRecord[]>();
  /** "<user>\0<mailbox id>" → MODSEQ above which the expunge history is complete (absent: 0) */
  private readonly expungeFloors = new Map<string, number>();
  /** queue id → the outbound queue's entry */
  readonly queue = new Map<string, QueueRow>();
  /** rule name → review rule */
  readonly rules = new Map<string, ReviewRuleRow>();
  /** queue id → a message held for review */
  readonly held = new Map<string, HeldRow>();
  archiveConfig: ArchiveConfigRow | undefined;
  archiveHead: ArchiveHeadRow | undefined;
  /** seq → journal record, ascending (apply only ever adds at the end) */
  readonly archive = new Map<number, ArchiveRow>();
  /** hold name → legal hold */
  readonly archiveHolds = new Map<string, ArchiveHoldRow>();

  /**
   * Deletes of expired dedupe keys, earliest first, at most limits.dedupePrunePerApplyMax per
   * apply (deterministic: driven by the command's time). Pops them off the expiry heap.
   */
  expiredDedupeOps(timestampMs: number): BatchOp[] {
    const ops: BatchOp[] = [];
    while (ops.length < limits.dedupePrunePerApplyMax) {
      const top = this.dedupeExpiry.peek();
      if (!top || !(top.expiresMs <= timestampMs)) break;
      this.dedupeExpiry.pop();
      const row = this.dedupe.get(top.key);
      if (!row || row.expiresMs !== top.expiresMs) continue; // stale heap entry
      ops.push({ type: 'del', key: keys.dedupe(top.key) });
    }
    return ops;
  }

  applyOps(ops: readonly BatchOp[]): void {
    for (const op of ops) this.applyOp(op);
  }

  applyOp(op: BatchOp): void {
    const k = parseKey(op.key);
    const put = op.type === 'put';
    const value = put ? op.value : undefined;
    switch (k.kind) {
      case 'meta': if (put) this.meta = value as MetaRow; return;
      case 'domain': setOrDelete(this.domains, k.domain, value as DomainRow | undefined); return;
      case 'user': setOrDelete(this.users, k.address, value as UserRow | undefined); return;
      case 'alias': setOrDelete(inner(this.aliases, k.source, put), k.target, value as AliasRow | undefined); prune(this.aliases, k.source); return;
      case 'mbox': setOrDelete(inner(this.mailboxes, k.user, put), k.name, value as MailboxRow | undefined); prune(this.mailboxes, k.user); return;
      case 'msg': this.applyMessage(k.user, k.mailboxId, k.uid, value as MessageRow | undefined); return;
      case 'sub': {
        const set = this.subscriptions.get(k.user) ?? new Set<string>();
        if (put) set.add(k.name); else set.delete(k.name);
        if (set.size) this.subscriptions.set(k.user, set); else this.subscriptions.delete(k.user);
        return;
      }
      case 'dedupe': {
        const row = value as DedupeRow | undefined;
        setOrDelete(this.dedupe, k.key, row);
        if (row) this.dedupeExpiry.push({ expiresMs: row.expiresMs, key: k.key });
        return;
      }
      case 'gc': setOrDelete(this.gc, op.key, value as GcRow | undefined); return;
      case 'expunged': this.applyExpunged(`${k.user}\u0000${k.mailboxId}`, k.modSeq, value as ExpungedRow | undefined); return;
      case 'expungefloor': setOrDelete(this.expungeFloors, `${k.user}\u0000${k.mailboxId}`, (value as ExpungeFloorRow | undefined)?.modSeq); return;
      case 'queue': setOrDelete(this.queue, k.queueId, value as QueueRow | undefined); return;
      case 'rule': setOrDelete(this.rules, k.name, value as ReviewRuleRow | undefined); return;
      case 'held': setOrDelete(this.held, k.queueId, value as HeldRow | undefined); return;
      case 'archcfg': this.archiveConfig = value as ArchiveConfigRow | undefined; return;
      case 'archhead': this.archiveHead = value as ArchiveHeadRow | undefined; return;
      case 'arch': setOrDelete(this.archive, k.seq, value as ArchiveRow | undefined); return;
      case 'archhold': setOrDelete(this.archiveHolds, k.name, value as ArchiveHoldRow | undefined); return;
    }
  }

  private applyExpunged(mkey: string, modSeq: number, row: ExpungedRow | undefined): void {
    const records = this.expunges.get(mkey) ?? [];
    // apply() only ever adds above the newest record and drops the oldest: search from both ends.
    let at = records.length;
    while (at > 0 && records[at - 1]!.modSeq >= modSeq) at--;
    const present = records[at]?.modSeq === modSeq;
    if (row) records.splice(at, present ? 1 : 0, { modSeq, uids: row.uids, count: uidSetSize(row.uids) });
    else if (present) records.splice(at, 1);
    if (records.length) this.expunges.set(mkey, records); else this.expunges.delete(mkey);
  }

  private applyMessage(user: string, mailboxId: string, uid: number, row: MessageRow | undefined): void {
    const mkey = `${user}\u0000${mailboxId}`;
    let map = this.messages.get(mkey);
    const old = map?.get(uid);
    const delta = (row?.sizeBytes ?? 0) - (old?.sizeBytes ?? 0);
    if (delta) this.usage.set(user, (this.usage.get(user) ?? 0) + delta);
    if (row) {
      if (!map) { map = new Map(); this.messages.set(mkey, map); }
      const maxUid = this.maxUid.get(mkey) ?? 0;
      if (!old && uid > maxUid) this.maxUid.set(mkey, uid);
      if (!old && uid < maxUid && map.size > 0) {
        // Out of order (never done by apply(), but keep the ascending-UID promise regardless).
        map.set(uid, row);
        this.messages.set(mkey, new Map([...map].sort((a, b) => a[0] - b[0])));
        return;
      }
      map.set(uid, row);
    } else if (map) {
      map.delete(uid);
      if (map.size === 0) { this.messages.delete(mkey); this.maxUid.delete(mkey); }
    }
    if (this.usage.get(user) === 0) this.usage.delete(user);
  }

  mailbox(user: string, name: string): MailboxRow | undefined {
    return this.mailboxes.get(user)?.get(name);
  }

  mailboxesOf(user: string): ReadonlyMap<string, MailboxRow> {
    return this.mailboxes.get(user) ?? new Map();
  }

  /** Messages of a mailbox in ascending UID order. */
  messagesOf(user: string, mailboxId: string): ReadonlyMap<number, MessageRow> {
    return this.messages.get(`${user}\u0000${mailboxId}`) ?? new Map();
  }

  usageBytes(user: string): number {
    return this.usage.get(user) ?? 0;
  }

  /** A mailbox's expunge history, oldest first. */
  expungesOf(user: string, mailboxId: string): readonly ExpungeRecord[] {
    return this.expunges.get(`${user}\u0000${mailboxId}`) ?? [];
  }

  /** The MODSEQ above which a mailbox's expunge history is complete (0: since it was created). */
  expungeFloorOf(user: string, mailboxId: string): number {
    return this.expungeFloors.get(`${user}\u0000${mailboxId}`) ?? 0;
  }
}

function inner<K, V>(outer: Map<string, Map<K, V>>, key: string, create: boolean): Map<K, V> {
  let map = outer.get(key);
  if (!map) {
    map = new Map();
    if (create) outer.set(key, map);
  }
  return map;
}

function prune<K, V>(outer: Map<string, Map<K, V>>, key: string): void {
  if (outer.get(key)?.size === 0) outer.delete(key);
}

function setOrDelete<K, V>(map: Map<K, V>, key: K, value: V | undefined): void {
  if (value === undefined) map.delete(key); else map.set(key, value);
}
