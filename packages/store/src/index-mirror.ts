/**
 * The in-memory mirror of the LevelDB index. It is built by feeding it every row at open and
 * then every batch apply() commits, through the same applyOp(): so the mirror and LevelDB hold
 * the same rows by construction, and reads can be synchronous.
 *
 * Rows held here are never mutated in place: apply() builds new row objects and commits them.
 */
import type { AliasRow, BatchOp, DedupeRow, DomainRow, GcRow, MailboxRow, MessageRow, MetaRow, UserRow } from './index-rows.js';
import { parseKey } from './index-rows.js';
import { ExpiryHeap } from './expiry-heap.js';

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
    }
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
