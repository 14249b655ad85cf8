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
 *  - Applies, snapshot captures, state digests and in-place restores take turns (one at a time,
 *    in call order), so each of them sees the state of exactly one applied index.
 */
import { EventEmitter } from 'node:events';
import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Level } from 'level';
import { limits } from '@tandem/config';
import type { Command } from './command.js';
import type { ApplyResult } from './apply-result.js';
import type { StoreChange, StoreReader } from './store-reader.js';
import type { BatchOp } from './index-rows.js';
import { keys } from './index-rows.js';
import { IndexMirror } from './index-mirror.js';
import { StorePaths } from './store-paths.js';
import { ApplyContext } from './apply-context.js';
import { fsyncDir, removeTree } from './durable-fs.js';
import { dispatchCommand } from './dispatch-command.js';
import { MessageStaging } from './message-staging.js';
import { FilePlan } from './file-plan.js';
import { StoreFailedError } from './store-errors.js';
import { MirrorReader } from './mirror-reader.js';
import type { SnapshotManifest } from './snapshot-manifest.js';
import { captureState, writeSnapshot } from './create-snapshot.js';
import type { WriteSnapshotOptions } from './create-snapshot.js';
import type { RestoreSnapshotOptions, RestoreSummary } from './restore-snapshot.js';
import { recoverInterruptedRestore, restoreSnapshot } from './restore-snapshot.js';
import { computeStateDigest } from './state-digest.js';

/** Scratch snapshot directories of writeSnapshotFile(), inside the data dir (same file system: links work). */
const scratchPrefix = '.snapshot-scratch-';
let scratchCounter = 0;

export interface MailStoreOptions {
  dataDir: string;
  /**
   * Test hook: runs after a command's file steps and before its batch is committed. Throwing
   * here is a crash at the worst moment (files in place, index not yet).
   */
  beforeCommit?: (index: number) => void | Promise<void>;
  /** Test hook: runs after the batch is committed and before retired files are removed. */
  afterCommit?: (index: number) => void | Promise<void>;
  /**
   * Test hook: the bound of each mailbox's expunge history (default limits.expungeHistoryUidsMax).
   * It shapes the index, so every node of a cluster must use the same value: never set it elsewhere.
   */
  expungeHistoryUidsMax?: number;
}

export class MailStore extends MirrorReader implements StoreReader {
  readonly events = new EventEmitter<{ change: [StoreChange] }>();
  private applying = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private failure: unknown;
  /** The tail of the queue of exclusive turns (applies, snapshot captures, digests, restores). */
  private turns: Promise<unknown> = Promise.resolve();
  /** Work that still reads the index after its turn (snapshot writing): close() waits for it. */
  private readonly busy = new Set<Promise<unknown>>();

  private constructor(
    private db: Level<string, unknown>,
    paths: StorePaths,
    mirror: IndexMirror,
    private readonly hooks: Pick<MailStoreOptions, 'beforeCommit' | 'afterCommit' | 'expungeHistoryUidsMax'>,
    private staging: MessageStaging,
  ) {
    super(mirror, paths);
    // Every IMAP session (IDLE) listens; their number is bounded by the server's session limit.
    this.events.setMaxListeners(0);
  }

  static async open(opts: MailStoreOptions): Promise<MailStore> {
    const paths = new StorePaths(opts.dataDir);
    // A restore that a crash interrupted is finished (or dropped) before the index is opened.
    await mkdir(paths.dataDir, { recursive: true, mode: 0o750 });
    await recoverInterruptedRestore(paths.dataDir);
    const { db, mirror, staging } = await MailStore.load(paths);
    const hooks = { beforeCommit: opts.beforeCommit, afterCommit: opts.afterCommit, expungeHistoryUidsMax: opts.expungeHistoryUidsMax };
    const store = new MailStore(db, paths, mirror, hooks, staging);
    // Finish removals a crash interrupted, before anything is applied on top.
    await store.collectGarbage([...mirror.gc.keys()]);
    // Scratch snapshots a crash left behind (the index lock is held now: they are nobody's).
    for (const name of await readdir(paths.dataDir)) {
      if (name.startsWith(scratchPrefix)) await removeTree(join(paths.dataDir, name));
    }
    return store;
  }

  private static async load(paths: StorePaths): Promise<{ db: Level<string, unknown>; mirror: IndexMirror; staging: MessageStaging }> {
    await mkdir(paths.mailRoot, { recursive: true, mode: 0o750 });
    await mkdir(paths.indexDir, { recursive: true, mode: 0o750 });
    const db = new Level<string, unknown>(paths.indexDir, { valueEncoding: 'json' });
    await db.open();
    const mirror = new IndexMirror();
    for await (const [key, value] of db.iterator()) mirror.applyOp({ type: 'put', key, value });
    const staging = await MessageStaging.open(join(paths.mailRoot, '.staging'));
    return { db, mirror, staging };
  }

  /** Runs `fn` when every earlier turn is over; later turns wait for it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turns.then(fn);
    this.turns = run.then(() => undefined, () => undefined);
    return run;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.busy.add(work);
    const done = (): void => { this.busy.delete(work); };
    work.then(done, done);
    return work;
  }

  private assertUsable(): void {
    if (this.failure !== undefined) throw new StoreFailedError(this.failure);
    if (this.closed) throw new Error('store is closed');
  }

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
    this.assertUsable();
    if (this.applying) throw new Error('MailStore.apply() calls must not overlap');
    this.applying = true;
    // A snapshot capture or a digest may hold the store for a moment: the apply waits its turn.
    return this.exclusive(() => this.applyBatchNow(entries));
  }

  private async applyBatchNow(entries: ReadonlyArray<{ index: number; command: Command }>): Promise<ApplyResult[]> {
    try {
      this.assertUsable(); // it may have been closed while the apply waited for its turn
      return await this.applyEntries(entries);
    } finally {
      this.applying = false;
    }
  }

  private async applyEntries(entries: ReadonlyArray<{ index: number; command: Command }>): Promise<ApplyResult[]> {
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
      const ctx = new ApplyContext(
        index, command.timestampMs, this.mirror, this.paths, new FilePlan(), () => this.staging.take(index),
        this.hooks.expungeHistoryUidsMax ?? limits.expungeHistoryUidsMax,
      );
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

  /** Closes once everything asked for before it (applies, snapshots, digests) is done; later calls are refused. */
  close(): Promise<void> {
    this.closing ??= this.exclusive(async () => {
      this.closed = true;
      await Promise.allSettled([...this.busy]); // snapshot writing still reads the index
      await this.db.close();
    });
    return this.closing;
  }

  // ---- Snapshots (Raft §7) and state digests ----

  /**
   * A point-in-time snapshot of the whole store at the current applied index, in the new
   * directory `dir` (same file system as the data dir, or files are copied instead of linked).
   * Applies wait only while the index view is taken and the files are hard-linked; the archive
   * is then checksummed while applies go on (create-snapshot.ts). With `archivePath`, the archive
   * is also written there as one self-checking file. Read it with openSnapshotReader(dir).
   * `dir` is the caller's to remove when done with the snapshot.
   */
  async createSnapshot(dir: string, opts: WriteSnapshotOptions = {}): Promise<SnapshotManifest> {
    this.assertUsable();
    const writing = await this.exclusive(async () => {
      this.assertUsable();
      const state = await captureState(this.db, this.paths.mailRoot, dir, this.appliedIndex);
      // Tracked before the turn ends, so a close() queued behind it waits for the writing too.
      return { done: this.track(writeSnapshot(this.db, state, dir, opts)) };
    });
    return writing.done;
  }

  /**
   * The snapshot as one archive file at `path` (what a Raft driver that ships files wants: see
   * StateMachine.snapshot in @tandem/replication); restoreSnapshot() takes the file as it is.
   */
  async writeSnapshotFile(path: string): Promise<SnapshotManifest> {
    const scratch = join(this.paths.dataDir, `${scratchPrefix}${process.pid}-${++scratchCounter}`);
    try {
      return await this.createSnapshot(scratch, { archivePath: path });
    } catch (err) {
      await removeTree(path); // never leave a partial archive under the name asked for
      throw err;
    } finally {
      await removeTree(scratch);
    }
  }

  /**
   * Replaces a CLOSED store's data in `dataDir` with a snapshot (an archive file or a snapshot
   * directory), atomically and crash-safely (restore-snapshot.ts); checks every checksum and, if
   * given, opts.appliedIndex. Throws StoreInUseError when the store is open.
   */
  static restoreSnapshot(dataDir: string, source: string, opts: RestoreSnapshotOptions = {}): Promise<RestoreSummary> {
    return restoreSnapshot(dataDir, source, opts);
  }

  /**
   * restoreSnapshot() on this open store: waits its turn, closes the index, restores, and loads
   * the new state, so holders of this object keep using it. On a bad snapshot the old state is
   * loaded again and the error is rethrown. No change events are emitted: sessions that show a
   * mailbox must be dropped by the caller (a follower has none).
   */
  async replaceWithSnapshot(source: string, opts: Pick<RestoreSnapshotOptions, 'appliedIndex' | 'appliedIndexMax'> = {}): Promise<RestoreSummary> {
    this.assertUsable();
    return this.exclusive(async () => {
      this.assertUsable();
      await Promise.allSettled([...this.busy]);
      await this.db.close();
      let outcome: { summary: RestoreSummary } | { error: unknown };
      try {
        outcome = { summary: await restoreSnapshot(this.paths.dataDir, source, opts) };
      } catch (error) {
        outcome = { error };
      }
      try {
        const loaded = await MailStore.load(this.paths);
        [this.db, this.mirror, this.staging] = [loaded.db, loaded.mirror, loaded.staging];
      } catch (err) {
        this.failure = err; // neither state could be loaded: the node must restart
        throw err;
      }
      await this.collectGarbage([...this.mirror.gc.keys()]);
      if ('error' in outcome) throw outcome.error;
      return outcome.summary;
    });
  }

  /** sha256 (hex) over the index rows and the durable Maildir tree (state-digest.ts); applies wait meanwhile. */
  async stateDigest(): Promise<string> {
    this.assertUsable();
    return this.exclusive(async () => {
      this.assertUsable();
      return computeStateDigest(this.db, this.paths.mailRoot);
    });
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
