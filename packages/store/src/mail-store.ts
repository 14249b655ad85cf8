/**
 * The mail store: Maildir++ files under `<data>/mail`, the index in LevelDB under `<data>/index`,
 * and the deterministic apply() that every change goes through (DESIGN.md §3, §5).
 *
 * Invariants:
 *  - apply(index, command) depends only on the committed state, the index and the command (no
 *    clock, no randomness), so every node that applies the same log builds the same store.
 *  - All index rows of one command AND the applied index are written in ONE LevelDB batch. File
 *    steps happen before that batch and are idempotent; a crash anywhere leaves the applied index
 *    behind, so the command is applied again at open and ends in the same state.
 *  - Files are removed only after the batch that stopped referring to them is committed (via gc
 *    rows, finished at open if a crash interrupts): no index row ever points at a missing file
 *    while the store is open, and a file without a row exists only until that re-apply.
 *  - Power loss may undo LevelDB batches that were not synced (files are always synced), and
 *    the log replays them. That is safe because unsynced batches only ever add files under
 *    names fixed by the log index: every batch that precedes a removal (gc) or a directory
 *    rename is synced, and so is the state before such a command.
 *  - Reads are served from the mirror. It takes each command's rows as the command is applied
 *    (its log entry is already durable, so a crash before the commit replays to the same state),
 *    and it equals LevelDB once the commit is done.
 */
import { EventEmitter } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Level } from 'level';
import { limits } from '@tandem/config';
import type { Command } from './command.js';
import type { ApplyResult, DeliverValue } from './apply-result.js';
import type { MailboxRecord, MessageRecord, StoreChange, StoreReader, UserRecord } from './store-reader.js';
import type { BatchOp, MailboxRow } from './index-rows.js';
import { keys } from './index-rows.js';
import { IndexMirror } from './index-mirror.js';
import { StorePaths } from './store-paths.js';
import { ApplyContext } from './apply-context.js';
import { canonicalAddress, parseDomain } from './address.js';
import { INBOX, tryMailboxName } from './mailbox-name.js';
import { fsyncDir, removeTree } from './durable-fs.js';
import { dispatchCommand } from './dispatch-command.js';
import { MessageStaging } from './message-staging.js';
import { FilePlan } from './file-plan.js';
import { MessageNotFoundError, StoreFailedError } from './store-errors.js';

export interface MailStoreOptions {
  dataDir: string;
  /**
   * Test hook: runs after a command's file steps and before its batch is committed. Throwing
   * here is a crash at the worst moment (files in place, index not yet).
   */
  beforeCommit?: (index: number) => void | Promise<void>;
  /** Test hook: runs after the batch is committed and before retired files are removed. */
  afterCommit?: (index: number) => void | Promise<void>;
}

export class MailStore implements StoreReader {
  readonly events = new EventEmitter<{ change: [StoreChange] }>();
  private applying = false;
  private closed = false;
  private failure: unknown;

  private constructor(
    private readonly db: Level<string, unknown>,
    readonly paths: StorePaths,
    private readonly mirror: IndexMirror,
    private readonly hooks: Pick<MailStoreOptions, 'beforeCommit' | 'afterCommit'>,
    private readonly staging: MessageStaging,
  ) {
    // Every IMAP session (IDLE) listens; their number is bounded by the server's session limit.
    this.events.setMaxListeners(0);
  }

  static async open(opts: MailStoreOptions): Promise<MailStore> {
    const paths = new StorePaths(opts.dataDir);
    await mkdir(paths.mailRoot, { recursive: true, mode: 0o750 });
    await mkdir(paths.indexDir, { recursive: true, mode: 0o750 });
    const db = new Level<string, unknown>(paths.indexDir, { valueEncoding: 'json' });
    await db.open();
    const mirror = new IndexMirror();
    for await (const [key, value] of db.iterator()) mirror.applyOp({ type: 'put', key, value });
    const staging = await MessageStaging.open(join(paths.mailRoot, '.staging'));
    const store = new MailStore(db, paths, mirror, { beforeCommit: opts.beforeCommit, afterCommit: opts.afterCommit }, staging);
    // Finish removals a crash interrupted, before anything is applied on top.
    await store.collectGarbage([...mirror.gc.keys()]);
    return store;
  }

  get appliedIndex(): number { return this.mirror.meta.appliedIndex; }

  /**
   * Applies the command at log `index`. Calls must not overlap and indexes must grow (gaps are
   * allowed: a Raft log has entries that are not commands). An index at or below the applied one
   * is a no-op returning the recorded result (for the last one) or a neutral ok.
   * Rejects only on an I/O failure, after which the store must be reopened.
   */
  async apply(index: number, command: Command): Promise<ApplyResult> {
    return (await this.applyBatch([{ index, command }]))[0]!;
  }

  /**
   * Applies consecutive log entries in order, with exactly the results apply() would give one by
   * one. Runs of message commands share one commit: one fsync per directory and one LevelDB batch
   * (still carrying the applied index), which is where the throughput comes from. Any other
   * command is committed on its own, because it may remove a directory a later entry recreates.
   */
  async applyBatch(entries: ReadonlyArray<{ index: number; command: Command }>): Promise<ApplyResult[]> {
    if (this.failure !== undefined) throw new StoreFailedError(this.failure);
    if (this.closed) throw new Error('store is closed');
    if (this.applying) throw new Error('MailStore.apply() calls must not overlap');
    this.applying = true;
    try {
      const results: ApplyResult[] = [];
      let run: Array<{ index: number; command: Command }> = [];
      for (const entry of entries) {
        if (!Number.isSafeInteger(entry.index) || entry.index < 1) throw new Error(`bad log index ${entry.index}`);
        const alone = !sharesCommit(entry.command);
        if (run.length && (alone || run.length >= limits.applyBatchEntriesMax)) { results.push(...await this.commitRun(run)); run = []; }
        run.push(entry);
        if (alone) { results.push(...await this.commitRun(run)); run = []; }
      }
      if (run.length) results.push(...await this.commitRun(run));
      return results;
    } catch (err) {
      this.failure = err;
      throw err;
    } finally {
      this.applying = false;
    }
  }

  /** Applies a run of entries and commits them together (see applyBatch). */
  private async commitRun(run: ReadonlyArray<{ index: number; command: Command }>): Promise<ApplyResult[]> {
    const results: ApplyResult[] = [];
    const ops: BatchOp[] = [];
    const events: StoreChange[] = [];
    const files = new FilePlan();
    const indexes: number[] = [];
    // A command committed alone may rename or remove directories: everything before it must be
    // durable in LevelDB first, so a power loss never replays older commands against them.
    const alone = run.length === 1 && !sharesCommit(run[0]!.command) && run[0]!.index > this.appliedIndex;
    if (alone) await this.sync();
    for (const { index, command } of run) {
      if (index <= this.appliedIndex) {
        const last = this.mirror.meta.lastResult;
        results.push(index === this.appliedIndex && last ? last : { ok: true, index, value: null });
        continue;
      }
      const ctx = new ApplyContext(index, command.timestampMs, this.mirror, this.paths, new FilePlan(), () => this.staging.take(index));
      const result = Number.isFinite(command.timestampMs)
        ? await dispatchCommand(ctx, command)
        : ctx.fail('INVALID', 'timestampMs must be a number');
      const entryOps: BatchOp[] = [...this.pruneDedupe(command.timestampMs), ...(result.ok ? ctx.ops : [])];
      entryOps.push({ type: 'put', key: keys.meta, value: { appliedIndex: index, lastResult: result } });
      // The next entry of the run must see this one's state (its log entry is already durable).
      this.mirror.applyOps(entryOps);
      ops.push(...entryOps);
      // A failed command changes nothing: its rows, file steps and events are all dropped.
      if (result.ok) { events.push(...ctx.events); files.append(ctx.files); }
      results.push(result);
      indexes.push(index);
    }
    if (indexes.length === 0) return results;
    // Complete, durable files under durable names before the index that refers to them.
    await files.execute();
    for (const index of indexes) await this.hooks.beforeCommit?.(index);
    const gcKeys = ops.filter((op) => op.type === 'put' && op.key.startsWith('gc\u0000')).map((op) => op.key);
    // Files are removed only after the batch that stops referring to them is durable (sync), so
    // no replay after a power loss can look for a file that is already gone.
    await this.db.batch(ops, { sync: alone || gcKeys.length > 0 });
    for (const index of indexes) await this.hooks.afterCommit?.(index);
    await this.collectGarbage(gcKeys);
    await this.staging.discardUpTo(indexes[indexes.length - 1]!);
    this.emitAll(events);
    return results;
  }

  /**
   * Optional hint from a log: the entry at `index` is committed and will be applied with exactly
   * this command, so its message file may be written now, in parallel with earlier applies.
   * Never changes any outcome. Call it only for committed entries (never for a Raft entry that a
   * new leader could still overwrite).
   */
  prepare(index: number, command: Command): void {
    if (this.closed || this.failure !== undefined || index <= this.appliedIndex) return;
    if (command.type !== 'message.deliver' && command.type !== 'message.append') return;
    if (command.type === 'message.deliver' && this.mirror.dedupe.has(command.dedupeKey)) return; // likely a duplicate
    this.staging.stage(index, command.message);
  }

  /** Makes everything applied so far durable in LevelDB too (files are synced by apply). */
  async sync(): Promise<number> {
    await this.db.put(keys.meta, this.mirror.meta, { sync: true });
    return this.appliedIndex;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  /** Every index row in key order (for tests, debugging and export). */
  async dumpIndex(): Promise<Array<[string, unknown]>> {
    const rows: Array<[string, unknown]> = [];
    for await (const [key, value] of this.db.iterator()) rows.push([key, value]);
    return rows;
  }

  private emitAll(events: readonly StoreChange[]): void {
    for (const change of events) {
      try {
        this.events.emit('change', change);
      } catch (err) {
        // A listener's bug must not look like a failed apply (the change is committed): crash loudly.
        process.nextTick(() => { throw err; });
      }
    }
  }

  /** Expired dedupe keys, earliest first, at most dedupePrunePerApplyMax per apply (deterministic). */
  private pruneDedupe(timestampMs: number): BatchOp[] {
    const ops: BatchOp[] = [];
    while (ops.length < limits.dedupePrunePerApplyMax) {
      const top = this.mirror.dedupeExpiry.peek();
      if (!top || !(top.expiresMs <= timestampMs)) break;
      this.mirror.dedupeExpiry.pop();
      const row = this.mirror.dedupe.get(top.key);
      if (!row || row.expiresMs !== top.expiresMs) continue; // stale heap entry
      ops.push({ type: 'del', key: keys.dedupe(top.key) });
    }
    return ops;
  }

  private async collectGarbage(gcKeys: readonly string[]): Promise<void> {
    if (gcKeys.length === 0) return;
    const parents = new Set<string>();
    for (const key of gcKeys) {
      const row = this.mirror.gc.get(key);
      if (!row) continue;
      const abs = this.paths.resolveUnderMail(row.path);
      await removeTree(abs);
      parents.add(dirname(abs));
    }
    for (const dir of parents) {
      try { await fsyncDir(dir); } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // the parent went too
      }
    }
    const ops: BatchOp[] = gcKeys.map((key) => ({ type: 'del', key }));
    await this.db.batch(ops);
    this.mirror.applyOps(ops);
  }

  // ---- StoreReader ----

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

  findDelivery(dedupeKey: string): DeliverValue | undefined {
    return this.mirror.dedupe.get(dedupeKey)?.value;
  }

  usageBytes(user: string): number {
    const canonical = tryCanonical(user);
    return canonical === undefined ? 0 : this.mirror.usageBytes(canonical);
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

/** Commands that only add or change messages (never remove a directory) may share a commit. */
function sharesCommit(command: Command): boolean {
  switch (command.type) {
    case 'message.deliver': case 'message.append': case 'message.store': case 'message.copy': case 'message.expunge':
    case 'mailbox.subscribe':
      return true;
    default:
      return false;
  }
}

function tryCanonical(address: string): string | undefined {
  try { return canonicalAddress(address); } catch { return undefined; }
}
