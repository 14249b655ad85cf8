// The read side of a member's stable storage: what the core reads entries, terms and snapshots from.
// Writes happen in the driver, in the order the Ready contract prescribes (see ready.ts). One seam per
// file (hashicorp/raft): the in-memory twin is MemoryStorage.
import type { Entry } from './entry.js';
import type { HardState } from './hard-state.js';
import type { Membership } from './membership.js';
import type { Snapshot } from './snapshot.js';

export interface StorageInitialState {
  hardState: HardState;
  /**
   * The configuration in effect at firstIndex() - 1, i.e. at the snapshot (every conf change at or below
   * it folded in). The core finds later conf changes by reading entries [firstIndex, lastIndex].
   */
  membership: Membership;
}

export interface Storage {
  /** Called once, when the core starts. */
  initialState(): StorageInitialState;
  /**
   * Entries with index in [lo, hi), in order. Returns at least one entry when lo < hi, even if it
   * exceeds maxSizeBytes. Throws CompactedError if lo < firstIndex(), UnavailableError if hi > lastIndex()+1.
   */
  entries(lo: number, hi: number, maxSizeBytes?: number): Entry[];
  /**
   * Term of the entry at `index`, for index in [firstIndex()-1, lastIndex()] (firstIndex()-1 is the
   * snapshot's index, whose term is kept). Throws CompactedError / UnavailableError outside that range.
   */
  term(index: number): number;
  /** Index of the first entry still held (snapshot index + 1). */
  firstIndex(): number;
  /** Index of the last entry held (the snapshot index when no entry is held). */
  lastIndex(): number;
  /** The most recent snapshot. May throw SnapshotTemporarilyUnavailableError. */
  snapshot(): Snapshot;
}
