/**
 * What one apply() works with: the log index and the command's time (the only sources of
 * "when" and "which"), read access to the committed index (the mirror), and the transaction it
 * builds. A handler validates first, then plans its message-file steps (file-plan.ts) or does its
 * directory steps (idempotent and synced, see durable-fs.ts), then records its rows. MailStore
 * carries out the file plan, commits all rows in ONE LevelDB batch together with the applied
 * index, removes what the batch retired (gc rows) and only then emits the change events.
 *
 * Invariant: a handler never mutates mirror rows, never reads a clock or random source.
 */
import type { ApplyResult, ApplyValue, StoreErrorCode } from './apply-result.js';
import type { StoreChange } from './store-reader.js';
import type { BatchOp, MailboxRow, MessageRow } from './index-rows.js';
import { keys } from './index-rows.js';
import type { IndexMirror } from './index-mirror.js';
import type { StorePaths } from './store-paths.js';
import { FilePlan } from './file-plan.js';
import { limits } from '@tandem/config';

export class ApplyContext {
  readonly ops: BatchOp[] = [];
  readonly events: StoreChange[] = [];
  /** Mailbox rows written in this transaction (null: deleted), so a handler reads its own writes. */
  private readonly stagedMailboxes = new Map<string, MailboxRow | null>();
  private gcCount = 0;

  constructor(
    readonly index: number,
    readonly timestampMs: number,
    readonly mirror: IndexMirror,
    readonly paths: StorePaths,
    /** Message-file steps, carried out before the commit (shared by the commands of one commit). */
    readonly files: FilePlan = new FilePlan(),
    /** The bound of each mailbox's expunge history (expunge-history.ts); every node must use the same. */
    readonly expungeHistoryUidsMax: number = limits.expungeHistoryUidsMax,
    /** The message bytes already written ahead of apply (message-staging.ts), if any. */
    readonly takeStagedFile: () => Promise<string | undefined> = () => Promise.resolve(undefined),
  ) {}

  ok<V extends ApplyValue>(value: V): ApplyResult<V> {
    return { ok: true, index: this.index, value };
  }

  fail(error: StoreErrorCode, message: string): ApplyResult<never> {
    return { ok: false, index: this.index, error, message };
  }

  put(key: string, value: unknown): void { this.ops.push({ type: 'put', key, value }); }
  del(key: string): void { this.ops.push({ type: 'del', key }); }

  mailbox(user: string, name: string): MailboxRow | undefined {
    const staged = this.stagedMailboxes.get(`${user}\u0000${name}`);
    if (staged !== undefined) return staged ?? undefined;
    return this.mirror.mailbox(user, name);
  }

  /** All of the user's mailboxes as this transaction sees them, sorted by name. */
  mailboxesOf(user: string): MailboxRow[] {
    const byName = new Map(this.mirror.mailboxesOf(user));
    for (const [k, row] of this.stagedMailboxes) {
      const [u, name] = k.split('\u0000') as [string, string];
      if (u !== user) continue;
      if (row) byName.set(name, row); else byName.delete(name);
    }
    return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  putMailbox(user: string, row: MailboxRow): void {
    this.stagedMailboxes.set(`${user}\u0000${row.name}`, row);
    this.put(keys.mailbox(user, row.name), row);
  }

  delMailbox(user: string, name: string): void {
    this.stagedMailboxes.set(`${user}\u0000${name}`, null);
    this.del(keys.mailbox(user, name));
  }

  putMessage(user: string, mailboxId: string, uid: number, row: MessageRow): void {
    this.put(keys.message(user, mailboxId, uid), row);
  }

  delMessage(user: string, mailboxId: string, uid: number): void {
    this.del(keys.message(user, mailboxId, uid));
  }

  /** Schedules removal of a path (relative to `<data>/mail`) once the batch is durable. */
  retire(path: string): void {
    this.put(keys.gc(this.index, this.gcCount++), { path });
  }

  /** A message file's path relative to `<data>/mail` (for retire()). */
  messageRelative(user: string, folder: string, file: string): string {
    const root = this.paths.userRelative(user);
    return folder ? `${root}/${folder}/${file}` : `${root}/${file}`;
  }

  emit(change: StoreChange): void { this.events.push(change); }

  /** A new mailbox id, unique for the user's whole life: "<log index>.<n>". */
  newMailboxId(n: number): string { return `${this.index}.${n}`; }

  /** Seconds of the command's time, for Maildir file names. */
  get timestampSec(): number { return Math.floor(this.timestampMs / 1000); }
}
