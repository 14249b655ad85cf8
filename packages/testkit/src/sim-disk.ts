// A simulated disk holding one member's Raft records. Writes are buffered until fsync(); a crash keeps
// every synced record, a random prefix of the unsynced ones, and may tear the last record it keeps
// (a torn record fails its checksum, so recovery drops it and everything after it — the same
// torn-tail truncation a real log store does at start).
import type { Entry, HardState, Membership, Snapshot } from '@tandem/raft';
import { MemoryStorage } from '@tandem/raft';
import type { SeededRandom } from './seeded-random.js';

export type DiskRecord =
  | { kind: 'hardState'; hardState: HardState }
  | { kind: 'entries'; entries: Entry[] }
  | { kind: 'snapshot'; snapshot: Snapshot }
  /** A local snapshot of the state machine at `index`, then compaction of the log up to `compactIndex`. */
  | { kind: 'compact'; index: number; data: Uint8Array; compactIndex: number };

interface StoredRecord {
  record: DiskRecord;
  synced: boolean;
  torn: boolean;
}

export interface CrashOutcome {
  lostRecords: number;
  tornRecord: boolean;
}

export class SimDisk {
  private records: StoredRecord[] = [];
  /** Records rewritten into a fresh log (compaction of the record list itself) after this many. */
  private static readonly rewriteAfterRecords = 512;

  /** `bootstrap`: the founding configuration, or null for a member that joins an existing cluster. */
  constructor(private readonly bootstrap: Membership | null) {}

  write(record: DiskRecord): void {
    this.records.push({ record, synced: false, torn: false });
  }

  fsync(): void {
    for (const r of this.records) r.synced = true;
  }

  unsyncedCount(): number {
    return this.records.filter((r) => !r.synced).length;
  }

  /** Loses what was not fsynced: keeps a random prefix of it, possibly with a torn last record. */
  crash(rng: SeededRandom): CrashOutcome {
    const firstUnsynced = this.records.findIndex((r) => !r.synced);
    if (firstUnsynced < 0) return { lostRecords: 0, tornRecord: false };
    const unsynced = this.records.length - firstUnsynced;
    const kept = rng.int(unsynced + 1);
    this.records = this.records.slice(0, firstUnsynced + kept);
    let tornRecord = false;
    const last = this.records[this.records.length - 1];
    if (kept > 0 && last !== undefined && rng.chance(0.5)) {
      last.torn = true;
      tornRecord = true;
    }
    return { lostRecords: unsynced - kept, tornRecord };
  }

  /**
   * Rebuilds the storage from the records, as a store does at start: replay in order, stop at the first
   * torn record and truncate it away.
   */
  recover(): MemoryStorage {
    const torn = this.records.findIndex((r) => r.torn);
    if (torn >= 0) this.records = this.records.slice(0, torn);
    const storage = new MemoryStorage(this.bootstrap === null ? {} : { membership: this.bootstrap });
    for (const r of this.records) replay(storage, r.record);
    for (const r of this.records) r.synced = true;
    this.maybeRewrite(storage);
    return storage;
  }

  /** Keeps the record list short: replaces it by the equivalent minimal records (all synced). */
  private maybeRewrite(storage: MemoryStorage): void {
    if (this.records.length < SimDisk.rewriteAfterRecords) return;
    const rewritten: DiskRecord[] = [];
    const snap = storage.snapshot();
    if (snap.metadata.index > 0) rewritten.push({ kind: 'snapshot', snapshot: snap });
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    if (last >= first) rewritten.push({ kind: 'entries', entries: storage.entries(first, last + 1) });
    rewritten.push({ kind: 'hardState', hardState: storage.hardStateNow() });
    this.records = rewritten.map((record) => ({ record, synced: true, torn: false }));
  }

  /** Compacts the record list while running (called by the node between Readys). */
  rewriteFrom(storage: MemoryStorage): void {
    if (this.records.some((r) => !r.synced)) return;
    this.maybeRewrite(storage);
  }
}

export function replay(storage: MemoryStorage, record: DiskRecord): void {
  switch (record.kind) {
    case 'hardState':
      storage.setHardState(record.hardState);
      return;
    case 'entries':
      storage.append(record.entries);
      return;
    case 'snapshot':
      if (record.snapshot.metadata.index > storage.snapshot().metadata.index) storage.applySnapshot(record.snapshot);
      return;
    case 'compact':
      if (record.index > storage.snapshot().metadata.index) storage.createSnapshot(record.index, record.data);
      storage.compact(record.compactIndex);
      return;
  }
}
