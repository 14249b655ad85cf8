import { join } from 'node:path';
import {
  applyConfChange, bootstrapEntries, CompactedError, emptyMembership, decodeConfChange, InvalidConfChangeError, UnavailableError, type Entry, type HardState, type Membership, type Snapshot, type Storage,
  type StorageInitialState,
} from '@tandem/raft';
import { FileLogStore, type FileLogStoreOptions } from './file-log-store.js';
import { FileSnapshotStore, type SnapshotMeta } from './snapshot-store.js';
import { FileStableStore } from './stable-store.js';
import { entryTypeCodes, entryTypeFromCode } from './message-codec.js';
import type { FatalHandler } from './fatal-handler.js';
import { StateMachineAheadOfLogError } from './errors.js';
import type { LogRecord } from './log-record.js';

/**
 * The core's Storage (read side) over the three durable stores of one member, plus the writes the
 * driver performs in Ready order. Layout under `dir`: log/ (FileLogStore), snapshots/
 * (FileSnapshotStore), state/ (FileStableStore).
 *
 * Invariants:
 *  - firstIndex() - 1 is the latest snapshot's index; its term is kept (Raft §7), so term(firstIndex()-1) works.
 *  - The log holds every entry in (snapshot.index, lastIndex()]; segments below the snapshot may
 *    remain on disk until compaction but are never read.
 *  - A brand-new founding member writes the founding configuration into its log (bootstrapEntries),
 *    so the configuration survives restarts even if the config file changes.
 */
export interface FileStorageOptions {
  dir: string;
  /**
   * Founding configuration of a new cluster, written as committed log entries 1..k when `dir` is
   * empty. Leave it out for a member that joins an existing cluster (it learns it from the leader).
   */
  bootstrapMembership?: Membership;
  /** The state machine's applied index (the core refuses an applied index above commit). */
  appliedIndex?: number;
  onFatal?: FatalHandler;
  log?: Omit<FileLogStoreOptions, 'dir' | 'onFatal'>;
}

const emptyData = new Uint8Array(0);

export class FileStorage implements Storage {
  private snap: SnapshotMeta;

  private constructor(
    readonly log: FileLogStore,
    readonly snapshots: FileSnapshotStore,
    readonly stable: FileStableStore,
    snap: SnapshotMeta,
    private readonly appliedIndex: number,
  ) {
    this.snap = snap;
  }

  static async open(options: FileStorageOptions): Promise<FileStorage> {
    const onFatal = options.onFatal;
    const common = onFatal === undefined ? {} : { onFatal };
    const snapshots = FileSnapshotStore.open({ dir: join(options.dir, 'snapshots'), ...common });
    let snap = snapshots.latest();
    const appliedIndex = options.appliedIndex ?? 0;
    // Before a brand-new member writes anything: its log would start at 1.
    if (snap === undefined && appliedIndex > 0) throw new StateMachineAheadOfLogError(options.dir, appliedIndex, 0);
    const stable = FileStableStore.open({ dir: join(options.dir, 'state'), ...common });
    const log = FileLogStore.open({ dir: join(options.dir, 'log'), ...options.log, ...common });
    if (snap === undefined) {
      // A brand-new member. The base is an empty snapshot at index 0; a founding member then writes
      // the founding configuration into its log as committed confChange entries (bootstrapEntries,
      // as etcd does), identical on every founding member, so a member that joins later learns the
      // configuration from the log like everything else. A joining member starts empty.
      const writer = await snapshots.create({ index: 0, term: 0, membership: emptyMembership() });
      snap = await writer.commit();
      if (options.bootstrapMembership !== undefined && log.lastIndex() === 0) {
        const founding = bootstrapEntries(options.bootstrapMembership);
        await log.append(founding.map(entryToRecord));
        await stable.save({ term: 0, vote: null, commit: founding.length });
      }
    }
    const holdsSnapshotEntry = snap.index < log.firstIndex() || log.term(snap.index) === snap.term;
    if (log.lastIndex() < snap.index || log.firstIndex() > snap.index + 1 || !holdsSnapshotEntry) {
      await log.reset(snap.index + 1);
    }
    const storage = new FileStorage(log, snapshots, stable, snap, appliedIndex);
    if (appliedIndex > storage.lastIndex()) throw new StateMachineAheadOfLogError(options.dir, appliedIndex, storage.lastIndex());
    return storage;
  }

  initialState(): StorageInitialState {
    const hs = this.stable.hardState();
    // Anything applied was committed, and the persisted commit is only a hint that may lag.
    const commit = Math.min(this.lastIndex(), Math.max(hs.commit, this.appliedIndex, this.snap.index));
    return { hardState: { ...hs, commit }, membership: this.snap.membership };
  }

  firstIndex(): number {
    return this.snap.index + 1;
  }

  lastIndex(): number {
    return Math.max(this.log.lastIndex(), this.snap.index);
  }

  term(index: number): number {
    if (index === this.snap.index) return this.snap.term;
    if (index < this.snap.index) throw new CompactedError(index);
    const t = this.log.term(index);
    if (t === undefined) throw new UnavailableError(index);
    return t;
  }

  entries(lo: number, hi: number, maxSizeBytes?: number): Entry[] {
    if (lo <= this.snap.index) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi);
    if (lo >= hi) return [];
    return this.log.readRange(lo, hi, maxSizeBytes).map(recordToEntry);
  }

  /** Metadata of the latest snapshot; the data stays in its file and is streamed by the driver. */
  snapshot(): Snapshot {
    const { index, term, membership } = this.snap;
    return { metadata: { index, term, membership }, data: emptyData };
  }

  /** The configuration in effect at `index` (≥ the snapshot index): the snapshot's plus the conf changes after it. */
  membershipAt(index: number): Membership {
    let m = this.snap.membership;
    for (const i of this.log.indexesOfType(entryTypeCodes.confChange, this.snap.index + 1, index)) {
      try {
        m = applyConfChange(m, decodeConfChange(this.log.read(i).body));
      } catch (e) {
        // The core refuses the same invalid changes (it validated them at propose time); skip alike.
        if (!(e instanceof InvalidConfChangeError)) throw e;
      }
    }
    return m;
  }

  latestSnapshot(): SnapshotMeta {
    return this.snap;
  }

  /** Ready step 1: entries (durable when this resolves). Entries inside the snapshot are skipped. */
  append(entries: readonly Entry[]): Promise<void> {
    const live = entries.filter((e) => e.index > this.snap.index);
    return this.log.append(live.map(entryToRecord));
  }

  /** Ready step 1: term and vote must be durable before any message goes out; commit alone needs no write. */
  async saveHardState(hs: HardState): Promise<void> {
    const old = this.stable.hardState();
    if (hs.term !== old.term || hs.vote !== old.vote) await this.stable.save(hs);
  }

  /**
   * Ready step 1 for an installed snapshot: its data file is already committed in the snapshot
   * store (streamed before the message was stepped). The log is discarded unless it holds the
   * snapshot's last entry with the same term.
   */
  async installSnapshot(meta: SnapshotMeta): Promise<void> {
    if (meta.index <= this.snap.index) return;
    const keep = this.log.term(meta.index) === meta.term && this.log.firstIndex() <= meta.index;
    this.snap = meta;
    if (!keep) await this.log.reset(meta.index + 1);
  }

  /**
   * A local snapshot at meta.index (≤ applied) is committed: the log before it is no longer served
   * (firstIndex() - 1 is always the snapshot index) and whole segments below it are deleted.
   */
  async compactTo(meta: SnapshotMeta): Promise<void> {
    if (meta.index <= this.snap.index) return;
    this.snap = meta;
    await this.log.compact(meta.index);
  }

  async close(): Promise<void> {
    await this.log.close();
  }
}

export function entryToRecord(e: Entry): LogRecord {
  return { index: e.index, term: e.term, entryType: entryTypeCodes[e.type], body: e.data };
}

export function recordToEntry(r: LogRecord): Entry {
  return { index: r.index, term: r.term, type: entryTypeFromCode(r.entryType), data: r.body };
}
