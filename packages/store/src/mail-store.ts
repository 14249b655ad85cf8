/**
 * The mail store: Maildir++ files under `<data>/mail`, the index in LevelDB under `<data>/index`,
 * and the deterministic apply() that every change goes through (DESIGN.md §3, §5).
 *
 * Invariants:
 *  - apply(index, command) depends only on the committed state, the index and the command (no
 *    clock, no randomness), so every node that applies the same log builds the same store.
 *  - All index rows of one command AND the applied index are written in ONE LevelDB batch (for
 *    message commands, a later batch that carries many entries' rows, see pendingRows). File
 *    steps happen before that batch and are idempotent; a crash anywhere leaves the applied index
 *    behind, so the command is applied again at open and ends in the same state.
 *  - Durability (docs/architecture.md, "Durability: the log, then checkpoints"): an applied entry
 *    is durable because its log entry is. Message commands write their files and batches without
 *    fsync; a checkpoint (store-checkpoint.ts) later fsyncs them and records the checkpoint index,
 *    and the log keeps every entry above it. After a power cut the log is applied again from
 *    checkpointIndex + 1: entries above the applied index apply normally, the others only get
 *    their message files rewritten (redo-files.ts).
 *  - What cannot be redone from a log entry is made durable before the entry is acknowledged: a
 *    COPY's links (file-plan.ts); a command that removes files (expunge: its batch is synced
 *    before the files go, via gc rows); and every command committed alone (mailbox and account
 *    changes, which rename and remove directories): it checkpoints everything before it, runs
 *    with every file and directory fsynced, and commits with sync, as a checkpoint of its own.
 *  - Files are removed only after the batch that stopped referring to them is committed (via gc
 *    rows, finished at open if a crash interrupts): no index row ever points at a missing file
 *    while the store is open, and a file without a row exists only until that re-apply.
 *  - Power loss may undo LevelDB batches that were not synced, down to the last synced write (the
 *    checkpoint row or a synced commit), and the log replays them. That is safe because unsynced
 *    batches only ever add files under names fixed by the log index, or change rows.
 *  - Reads are served from the mirror. It takes each command's rows as the command is applied
 *    (its log entry is already durable, so a crash before the commit replays to the same state),
 *    and it equals LevelDB once the pending rows are written (every checkpoint writes them first).
 *  - Applies, snapshot captures, state digests, in-place restores and the start of each checkpoint
 *    take turns (one at a time, in call order), so each of them sees the state of exactly one
 *    applied index. A checkpoint's fsyncs then run while applies go on.
 */
import { EventEmitter } from 'node:events';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { limits } from '@tandem/config';
import type { Command } from './command.js';
import type { ApplyResult } from './apply-result.js';
import type { StoreChange, StoreEvents, StoreReader } from './store-reader.js';
import type { BatchOp } from './index-rows.js';
import { checkpointKey, isLocalKey, keys, lastWritePerKey } from './index-rows.js';
import type { CheckpointRow } from './index-rows.js';
import { IndexMirror } from './index-mirror.js';
import { writeIndexBatch } from './index-batch.js';
import { StorePaths } from './store-paths.js';
import { ApplyContext } from './apply-context.js';
import { removeTree } from './durable-fs.js';
import { collectGarbage } from './collect-garbage.js';
import { changesDirectory, dispatchCommand, sharesCommit } from './dispatch-command.js';
import { FilePlan } from './file-plan.js';
import { StoreCheckpoint, checkpointFsyncsInFlight } from './store-checkpoint.js';
import type { CheckpointStats } from './store-checkpoint.js';
import { RedoPlan } from './redo-files.js';
import { MessageStaging } from './message-staging.js';
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
   * Test hook: runs right after every synced LevelDB write (a checkpoint row, a synced commit):
   * the state a power cut can no longer take away. Power-loss tests copy the index here.
   */
  afterIndexSync?: () => void;
  /**
   * Test hook: the bound of each mailbox's expunge history (default limits.expungeHistoryUidsMax).
   * It shapes the index, so every node of a cluster must use the same value: never set it elsewhere.
   */
  expungeHistoryUidsMax?: number;
  /** Entries applied before a checkpoint starts in the background (default limits.checkpointEntriesMax). */
  checkpointEntriesMax?: number;
  /** A checkpoint starts at least this often while anything is unsynced (default limits.checkpointIntervalMs; 0: never by time). */
  checkpointIntervalMs?: number;
}

type Hooks = Pick<MailStoreOptions, 'beforeCommit' | 'afterCommit' | 'afterIndexSync' | 'expungeHistoryUidsMax' | 'checkpointEntriesMax'>;

export class MailStore extends MirrorReader implements StoreReader {
  readonly events = new EventEmitter<StoreEvents>();
  private applying = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private failure: unknown;
  /** The tail of the queue of exclusive turns (applies, snapshot captures, digests, restores). */
  private turns: Promise<unknown> = Promise.resolve();
  /** Work that still reads the index after its turn (snapshot writing): close() waits for it. */
  private readonly busy = new Set<Promise<unknown>>();
  /**
   * The last unsynced index batch. It is not awaited on the acknowledgement path (the log entry
   * is what makes the change durable, and reads are served from the mirror); batches still reach
   * LevelDB one after another, and everything that reads or syncs LevelDB waits for it first.
   * A failure fails the store.
   */
  private lastCommit: Promise<void> = Promise.resolve();
  /**
   * Rows applied since the last batch was written, one per key (the last write). Message commands
   * do not write a LevelDB batch each: reads come from the mirror and durability from the log, so
   * their rows wait here and go in the next batch that is written anyway — a checkpoint's, a synced
   * commit's, or when limits.indexRowsPendingMax rows wait. A mailbox's counters, rewritten by
   * every delivery, then reach LevelDB once per checkpoint instead of once per commit.
   */
  private readonly pendingRows = new Map<string, BatchOp>();
  private readonly timer: NodeJS.Timeout | undefined;

  private constructor(
    private db: Level<string, unknown>,
    paths: StorePaths,
    mirror: IndexMirror,
    private readonly hooks: Hooks,
    private checkpoints: StoreCheckpoint,
    /** Files still to be rewritten by recovery (redo-files.ts), while entries up to its index come again. */
    private redo: RedoPlan | undefined,
    private staging: MessageStaging,
    checkpointIntervalMs: number,
  ) {
    super(mirror, paths);
    // Every IMAP session (IDLE) listens; their number is bounded by the server's session limit.
    this.events.setMaxListeners(0);
    if (checkpointIntervalMs > 0) {
      this.timer = setInterval(() => this.checkpointByTime(), checkpointIntervalMs);
      this.timer.unref();
    }
  }

  static async open(opts: MailStoreOptions): Promise<MailStore> {
    const paths = new StorePaths(opts.dataDir);
    // A restore that a crash interrupted is finished (or dropped) before the index is opened.
    await mkdir(paths.dataDir, { recursive: true, mode: 0o750 });
    await recoverInterruptedRestore(paths.dataDir);
    const hooks: Hooks = {
      beforeCommit: opts.beforeCommit, afterCommit: opts.afterCommit, afterIndexSync: opts.afterIndexSync,
      expungeHistoryUidsMax: opts.expungeHistoryUidsMax, checkpointEntriesMax: opts.checkpointEntriesMax,
    };
    const { db, mirror, checkpointIndex, staging } = await MailStore.load(paths);
    const store = new MailStore(
      db, paths, mirror, hooks, new StoreCheckpoint(
        checkpointIndex, { inFlightMax: checkpointFsyncsInFlight(), root: paths.mailRoot }, () => hooks.afterIndexSync?.(),
      ),
      MailStore.redoPlan(mirror, paths, checkpointIndex), staging, opts.checkpointIntervalMs ?? limits.checkpointIntervalMs,
    );
    // Finish removals a crash interrupted, before anything is applied on top.
    await collectGarbage(mirror, paths, db, [...mirror.gc.keys()]);
    // Scratch snapshots a crash left behind (the index lock is held now: they are nobody's).
    for (const name of await readdir(paths.dataDir)) {
      if (name.startsWith(scratchPrefix)) await removeTree(join(paths.dataDir, name));
    }
    return store;
  }

  private static async load(paths: StorePaths): Promise<{ db: Level<string, unknown>; mirror: IndexMirror; checkpointIndex: number; staging: MessageStaging }> {
    await mkdir(paths.mailRoot, { recursive: true, mode: 0o750 });
    await mkdir(paths.indexDir, { recursive: true, mode: 0o750 });
    const db = new Level<string, unknown>(paths.indexDir, { valueEncoding: 'json' });
    await db.open();
    const mirror = new IndexMirror();
    let checkpoint: CheckpointRow | undefined;
    for await (const [key, value] of db.iterator()) {
      if (key === checkpointKey) checkpoint = value as CheckpointRow;
      else mirror.applyOp({ type: 'put', key, value });
    }
    if (checkpoint === undefined) {
      // An index written whole and synced (a new store, a restored snapshot, or a store of a
      // version that fsynced every file before acknowledging it) is checkpointed as it stands.
      checkpoint = { index: mirror.meta.appliedIndex };
      await db.put(checkpointKey, checkpoint, { sync: true });
    }
    const staging = await MessageStaging.open(join(paths.mailRoot, '.staging'));
    return { db, mirror, checkpointIndex: checkpoint.index, staging };
  }

  private static redoPlan(mirror: IndexMirror, paths: StorePaths, checkpointIndex: number): RedoPlan | undefined {
    const applied = mirror.meta.appliedIndex;
    return checkpointIndex < applied ? RedoPlan.build(mirror, paths, checkpointIndex, applied) : undefined;
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
   * changes no state and returns the recorded result (for the last one) or a neutral ok; if it is
   * above the checkpoint index and the store was opened after a crash, its message files are
   * rewritten from the command first (redo-files.ts). So a log replays from checkpointIndex + 1.
   * Rejects only on an I/O failure, after which the store must be reopened.
   */
  async apply(index: number, command: Command): Promise<ApplyResult> {
    return (await this.applyBatch([{ index, command }]))[0]!;
  }

  /**
   * Applies consecutive log entries in order, with exactly the results apply() would give one by
   * one. Runs of message commands share one commit: one LevelDB batch (still carrying the applied
   * index), which is where the throughput comes from. Any other command is committed on its own,
   * because it may remove a directory a later entry recreates.
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
      await this.lastCommit;
      // limits.checkpointPathsMax: the set of unsynced paths is full, so applies wait for a checkpoint.
      if (this.checkpoints.unsynced.size >= limits.checkpointPathsMax) await this.checkpointNow();
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
      this.maybeCheckpoint();
      return results;
    } catch (err) {
      this.failure ??= err;
      throw err;
    }
  }

  /** Applies a run of entries and commits them together (see applyBatch). */
  private async commitRun(run: ReadonlyArray<{ index: number; command: Command }>): Promise<ApplyResult[]> {
    const results: ApplyResult[] = [];
    const ops: BatchOp[] = [];
    const events: StoreChange[] = [];
    let directoryChanged = false;
    const indexes: number[] = [];
    // A command committed alone may rename or remove directories: everything before it is made
    // durable first (a checkpoint), so no replay after a power loss meets an older state of them,
    // and the command itself is fully synced (its files, directories and batch).
    const alone = run.length === 1 && !sharesCommit(run[0]!.command) && run[0]!.index > this.appliedIndex;
    if (alone) {
      this.redo = undefined; // past the applied index at open (see below)
      await this.checkpointNow();
    }
    const files = new FilePlan();
    for (const { index, command } of run) {
      if (index <= this.appliedIndex) { results.push(this.replayed(index, command, files)); continue; }
      this.redo = undefined; // past the applied index at open: every redo is behind us
      const ctx = new ApplyContext(
        index, command.timestampMs, this.mirror, this.paths, new FilePlan(),
        this.hooks.expungeHistoryUidsMax ?? limits.expungeHistoryUidsMax, () => this.staging.take(index),
      );
      const result = Number.isFinite(command.timestampMs)
        ? await dispatchCommand(ctx, command)
        : ctx.fail('INVALID', 'timestampMs must be a number');
      const entryOps: BatchOp[] = [...this.mirror.expiredDedupeOps(command.timestampMs), ...(result.ok ? ctx.ops : [])];
      entryOps.push({ type: 'put', key: keys.meta, value: { appliedIndex: index, lastResult: result } });
      // The next entry of the run must see this one's state (its log entry is already durable).
      this.mirror.applyOps(entryOps);
      ops.push(...entryOps);
      // A failed command changes nothing: its rows, file steps and events are all dropped.
      if (result.ok) { events.push(...ctx.events); files.append(ctx.files); }
      if (result.ok && changesDirectory(command)) directoryChanged = true;
      results.push(result);
      indexes.push(index);
    }
    // Complete files under their final names before the index that refers to them.
    await files.execute(alone ? undefined : this.checkpoints.unsynced);
    if (this.redo && run[run.length - 1]!.index >= this.redo.untilIndex) this.redo = undefined;
    if (indexes.length === 0) return results;
    for (const index of indexes) await this.hooks.beforeCommit?.(index);
    const gcKeys = ops.filter((op) => op.type === 'put' && op.key.startsWith('gc\u0000')).map((op) => op.key);
    const last = indexes[indexes.length - 1]!;
    // Files are removed only after the batch that stops referring to them is durable (sync), so
    // no replay after a power loss can look for a file that is already gone. A command committed
    // alone is a checkpoint of its own: everything up to it is durable once its batch is.
    if (alone) ops.push({ type: 'put', key: checkpointKey, value: { index: last } satisfies CheckpointRow });
    const sync = alone || gcKeys.length > 0;
    if (sync || this.hooks.afterCommit || this.pendingRows.size + ops.length > limits.indexRowsPendingMax) {
      const commit = this.writeRows(ops, sync);
      // A synced commit is waited for (files are removed right after it; a command committed alone
      // is acknowledged fully durable); so is every commit when a test hook watches what follows it.
      if (sync || this.hooks.afterCommit) await commit;
    } else {
      for (const op of ops) this.pendingRows.set(op.key, op); // the last write of each key wins
    }
    if (alone) this.checkpoints.advancedBySyncedCommit(last);
    else this.checkpoints.entriesSince += indexes.length;
    if (sync) this.hooks.afterIndexSync?.();
    for (const index of indexes) await this.hooks.afterCommit?.(index);
    await collectGarbage(this.mirror, this.paths, this.db, gcKeys);
    await this.staging.discardUpTo(last);
    for (const change of events) this.notify(() => this.events.emit('change', change));
    if (directoryChanged) this.notify(() => this.events.emit('directory'));
    return results;
  }

  /**
   * Writes the pending rows and then `ops` (the later write of a key wins) as one LevelDB batch,
   * after every batch before it. Its failure fails the store (whoever waits for it next sees it).
   */
  private writeRows(ops: readonly BatchOp[], sync: boolean): Promise<void> {
    const rows = lastWritePerKey([...this.pendingRows.values(), ...ops]);
    this.pendingRows.clear();
    const previous = this.lastCommit;
    const commit = (async () => {
      await previous;
      await writeIndexBatch(this.db, rows, sync);
    })();
    commit.catch((err: unknown) => { this.failure ??= err; });
    this.lastCommit = commit;
    return commit;
  }

  /** Every applied row in LevelDB (not synced): before anything reads or syncs LevelDB itself. */
  private flushRows(): Promise<void> {
    return this.pendingRows.size > 0 ? this.writeRows([], false) : this.lastCommit;
  }

  /** An entry at or below the applied index: its recorded outcome, after redoing its files if recovery needs that. */
  private replayed(index: number, command: Command, files: FilePlan): ApplyResult {
    if (this.redo && index > this.checkpoints.index) this.redo.plan(index, command, files);
    const last = this.mirror.meta.lastResult;
    return index === this.appliedIndex && last ? last : { ok: true, index, value: null };
  }

  /**
   * Optional hint from a log: the entry at `index` will be applied with exactly this command, so
   * its message file may be written now, into a file made ahead, while earlier entries are applied
   * (message-staging.ts). Never changes any outcome. Call it only once no other command can ever be
   * applied at `index` by this process: LocalCommandLog once the entry's write has returned (a crash
   * before the entry is durable would empty the staging area anyway); a Raft driver only for
   * committed entries, never for one a new leader could still overwrite.
   */
  prepare(index: number, command: Command): void {
    if (this.closed || this.failure !== undefined || index <= this.appliedIndex) return;
    if (command.type !== 'message.deliver' && command.type !== 'message.append') return;
    if (command.type === 'message.deliver' && this.mirror.dedupe.has(command.dedupeKey)) return; // likely a duplicate
    if (!(command.message instanceof Uint8Array)) return;
    this.staging.stage(index, command.message);
  }

  /** The log index up to which everything is durable in the store itself; a log must keep the entries after it. */
  get checkpointIndex(): number { return this.checkpoints.index; }

  /** fsync counts of the checkpoints since open. */
  checkpointStats(): CheckpointStats { return this.checkpoints.stats(); }

  /**
   * Takes a checkpoint at the current applied index and resolves once it is durable, with the new
   * checkpoint index. Applies go on while its fsyncs run. (While recovery still has entries to
   * redo, the index stays where it is.)
   */
  async checkpoint(): Promise<number> {
    this.assertUsable();
    const started = await this.exclusive(async () => {
      this.assertUsable();
      return { done: this.checkpointNow() };
    });
    await started.done;
    return this.checkpoints.index;
  }

  /** Everything applied so far made durable: a checkpoint. Returns the checkpoint index. */
  sync(): Promise<number> {
    return this.checkpoint();
  }

  /** Starts a checkpoint; call only inside a turn (between applies). Its failure fails the store. */
  private checkpointNow(): Promise<void> {
    const target = this.redo ? this.checkpoints.index : this.appliedIndex;
    return this.checkpoints.start(this.db, target, this.flushRows()).catch((err: unknown) => {
      this.failure ??= err;
      throw err;
    });
  }

  /** After an apply (inside its turn): enough entries since the last checkpoint start one in the background. */
  private maybeCheckpoint(): void {
    const due = this.checkpoints.entriesSince >= (this.hooks.checkpointEntriesMax ?? limits.checkpointEntriesMax) ||
      this.checkpoints.unsynced.size >= limits.checkpointPathsMax / 2;
    if (due && !this.checkpoints.busy) this.checkpointNow().catch(() => undefined); // a failure fails the store
  }

  /** The timer's checkpoint: only when something is unsynced and none is running. */
  private checkpointByTime(): void {
    if (this.closed || this.failure !== undefined || this.checkpoints.busy) return;
    if (this.checkpoints.entriesSince === 0 && this.checkpoints.index >= this.appliedIndex) return;
    this.exclusive(async () => {
      if (!this.closed && this.failure === undefined && !this.checkpoints.busy) this.checkpointNow().catch(() => undefined);
    }).catch(() => undefined);
  }

  /**
   * Closes once everything asked for before it (applies, snapshots, digests) is done, after a last
   * checkpoint; later calls are refused. Rejects if that checkpoint fails (the index still closes).
   */
  close(): Promise<void> {
    this.closing ??= this.exclusive(async () => {
      this.closed = true;
      if (this.timer) clearInterval(this.timer);
      let error: unknown;
      if (this.failure === undefined) await this.checkpointNow().catch((err: unknown) => { error = err; });
      await this.checkpoints.idle();
      await this.lastCommit.catch(() => undefined); // a failed store closes all the same
      await Promise.allSettled([...this.busy]); // snapshot writing still reads the index
      await this.staging.close();
      await this.db.close();
      if (error !== undefined) throw error;
    });
    return this.closing;
  }

  // ---- Snapshots (Raft §7) and state digests ----

  /**
   * A point-in-time snapshot of the whole store at the current applied index, in the new
   * directory `dir` (same file system as the data dir, or files are copied instead of linked).
   * A checkpoint comes first, so every file the snapshot links is durable (and a log may then drop
   * the entries the snapshot covers). Applies wait while that checkpoint runs, the index view is
   * taken and the files are hard-linked; the archive
   * is then checksummed while applies go on (create-snapshot.ts). With `archivePath`, the archive
   * is also written there as one self-checking file. Read it with openSnapshotReader(dir).
   * `dir` is the caller's to remove when done with the snapshot.
   */
  async createSnapshot(dir: string, opts: WriteSnapshotOptions = {}): Promise<SnapshotManifest> {
    this.assertUsable();
    const writing = await this.exclusive(async () => {
      this.assertUsable();
      await this.checkpointNow();
      const state = await captureState(this.db, this.paths.mailRoot, dir, this.appliedIndex);
      // Tracked before the turn ends, so a close() queued behind it waits for the writing too.
      return { done: this.track(writeSnapshot(this.db, state, dir, opts)) };
    });
    return writing.done;
  }

  /**
   * A name for a scratch snapshot directory in the data dir (the store's file system, so its files
   * are links): not created here; the caller removes it, and open() removes any a crash left.
   */
  scratchDir(): string {
    return join(this.paths.dataDir, `${scratchPrefix}${process.pid}-${++scratchCounter}`);
  }

  /**
   * The snapshot as one archive file at `path` (what a Raft driver that ships files wants: see
   * StateMachine.snapshot in @tandem/replication); restoreSnapshot() takes the file as it is.
   */
  async writeSnapshotFile(path: string): Promise<SnapshotManifest> {
    const scratch = this.scratchDir();
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
   * loaded again and the error is rethrown. No change events are emitted (sessions that show a
   * mailbox must be dropped by the caller; a follower has none), only 'directory'.
   */
  async replaceWithSnapshot(source: string, opts: Pick<RestoreSnapshotOptions, 'appliedIndex' | 'appliedIndexMax'> = {}): Promise<RestoreSummary> {
    this.assertUsable();
    return this.exclusive(async () => {
      this.assertUsable();
      await Promise.allSettled([...this.busy]);
      // Nothing unsynced may outlive the swap (nor, on a bad snapshot, the reload of the old state).
      await this.checkpointNow();
      await this.staging.close();
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
        this.checkpoints.index = loaded.checkpointIndex;
        this.redo = MailStore.redoPlan(this.mirror, this.paths, loaded.checkpointIndex);
      } catch (err) {
        this.failure = err; // neither state could be loaded: the node must restart
        throw err;
      }
      await collectGarbage(this.mirror, this.paths, this.db, [...this.mirror.gc.keys()]);
      this.notify(() => this.events.emit('directory')); // the whole state was replaced (or reloaded)
      if ('error' in outcome) throw outcome.error;
      return outcome.summary;
    });
  }

  /** sha256 (hex) over the index rows and the durable Maildir tree (state-digest.ts); applies wait meanwhile. */
  async stateDigest(): Promise<string> {
    this.assertUsable();
    return this.exclusive(async () => {
      this.assertUsable();
      await this.flushRows();
      return computeStateDigest(this.db, this.paths.mailRoot);
    });
  }

  /** Every index row in key order (for tests, debugging and export). */
  async dumpIndex(): Promise<Array<[string, unknown]>> {
    const rows: Array<[string, unknown]> = [];
    await this.flushRows(); // pending rows are whole entries' rows: any moment gives a state of one applied index
    for await (const [key, value] of this.db.iterator()) if (!isLocalKey(key)) rows.push([key, value]);
    return rows;
  }

  /** Tells listeners of a committed change; a listener's bug must not look like a failed apply: it crashes loudly. */
  private notify(emit: () => void): void {
    try {
      emit();
    } catch (err) {
      process.nextTick(() => { throw err; });
    }
  }
}
