/**
 * Checkpoints: the point up to which the store itself is durable, so the log before it is no
 * longer needed (docs/architecture.md, "Durability: the log, then checkpoints").
 *
 * apply() writes message files and index batches without fsync: an acknowledged change is durable
 * because its log entry is. A checkpoint taken at applied index C then
 *   1. makes every file and directory apply() wrote up to C (UnsyncedPaths) durable: an fsync
 *      each, several at once, or for a large set one syncfs of their file system (unsynced-paths.ts);
 *   2. writes the checkpoint row { index: C } to LevelDB with sync: true — which also makes every
 *      earlier, unsynced index batch durable (LevelDB's write-ahead log is one sequential file).
 * Only then may the log drop entries ≤ C. After a power cut, recovery re-applies the log from
 * C + 1 (MailStore.apply redoes the files of entries the index already holds).
 *
 * Checkpoints run one after another, in the order they were started; each takes its set of paths
 * when it starts (between two applies, so the set matches C exactly) and syncs them while applies
 * go on. Once one fails, every later one fails too: a later checkpoint row would otherwise vouch
 * for files whose fsync failed.
 */
import type { Level } from 'level';
import { checkpointKey } from './index-rows.js';
import type { CheckpointRow } from './index-rows.js';
import { limits } from '@tandem/config';
import { UnsyncedPaths, syncPathSet } from './unsynced-paths.js';
import type { SyncPathSetOptions } from './unsynced-paths.js';

/** Checkpoint fsyncs in flight: half the libuv pool (UV_THREADPOOL_SIZE, default 4), so applies keep threads too. */
export function checkpointFsyncsInFlight(): number {
  const pool = Number(process.env['UV_THREADPOOL_SIZE']) || 4;
  return Math.max(1, Math.min(limits.checkpointFsyncsInFlightMax, Math.floor(pool / 2)));
}

export interface CheckpointStats {
  /** Checkpoints whose row was written. */
  checkpoints: number;
  /** Files and directories fsynced by checkpoints. */
  pathsSynced: number;
}

export class StoreCheckpoint {
  readonly unsynced = new UnsyncedPaths();
  /** Entries applied since the last checkpoint was started. */
  entriesSince = 0;
  private tail: Promise<void> = Promise.resolve();
  private running = 0;
  private failure: unknown;
  private readonly counters: CheckpointStats = { checkpoints: 0, pathsSynced: 0 };

  constructor(
    /** The durable checkpoint: the index in the checkpoint row. */
    public index: number,
    /** How the paths are synced: fsyncs in flight, and the root whose file system syncfs may sync instead. */
    private readonly syncOptions: SyncPathSetOptions,
    /** Runs right after the checkpoint row is durable (a test hook of MailStore). */
    private readonly afterSync: () => void = () => undefined,
  ) {}

  /** A checkpoint is being taken. */
  get busy(): boolean { return this.running > 0; }

  stats(): CheckpointStats { return { ...this.counters }; }

  /**
   * Starts a checkpoint at `target` (the caller's applied index; call between applies), once the
   * index batches up to it are `committed`. Resolves
   * once it is durable; rejects on an I/O error, after which the store must be treated as failed.
   * A target at or below the current checkpoint only syncs the paths (recovery's redo uses that).
   */
  start(db: Level<string, unknown>, target: number, committed: Promise<void>): Promise<void> {
    const taken = this.unsynced.take();
    this.entriesSince = 0;
    this.running++;
    const previous = this.tail;
    const run = (async () => {
      try {
        await previous;
        if (this.failure !== undefined) throw this.failure;
        this.counters.pathsSynced += await syncPathSet(taken, this.syncOptions);
        await committed; // the index batches up to `target` are in LevelDB, before the row that vouches for them
        if (target > this.index) {
          const row: CheckpointRow = { index: target };
          await db.put(checkpointKey, row, { sync: true });
          this.index = target;
          this.counters.checkpoints++;
          this.afterSync();
        }
      } catch (err) {
        this.failure ??= err;
        throw err;
      } finally {
        this.unsynced.release(taken);
        this.running--;
      }
    })();
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves when every checkpoint started so far has finished (whatever its outcome). */
  idle(): Promise<void> { return this.tail; }

  /** The checkpoint row of a command committed together with it (MailStore's fully synced commands). */
  advancedBySyncedCommit(index: number): void {
    if (index > this.index) this.index = index;
    this.entriesSince = 0;
  }
}
