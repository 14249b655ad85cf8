// The in-memory twin of the durable log store: used by tests, the simulator, and as a model of what a
// file-backed Storage must do. Invariants: entries are contiguous; firstIndex()-1 is the snapshot index
// (compaction never goes past the latest snapshot, so a lagging follower can always be caught up).
import type { Entry } from './entry.js';
import { entrySizeBytes } from './entry.js';
import type { HardState } from './hard-state.js';
import { emptyHardState } from './hard-state.js';
import type { Membership } from './membership.js';
import { cloneMembership, emptyMembership } from './membership.js';
import { applyConfChange, decodeConfChange } from './conf-change.js';
import { bootstrapEntries } from './bootstrap.js';
import type { Snapshot } from './snapshot.js';
import type { Storage, StorageInitialState } from './storage.js';
import {
  CompactedError, RaftUsageError, SnapshotOutOfDateError, UnavailableError,
} from './raft-errors.js';

export interface MemoryStorageInit {
  /**
   * Founding configuration of a brand-new cluster, written as bootstrapEntries() (committed). Leave it
   * out for a member that joins an existing cluster: it starts empty and learns everything from the leader.
   */
  membership?: Membership;
}

export class MemoryStorage implements Storage {
  private hardState: HardState = emptyHardState();
  private snap: Snapshot;
  /** ents[0] is a dummy standing for the snapshot: only its index and term are meaningful. */
  private ents: Entry[];
  /** The configuration in effect at ents[0].index (the storage's firstIndex()-1). */
  private baseMembership: Membership;

  constructor(init: MemoryStorageInit = {}) {
    this.snap = { metadata: { index: 0, term: 0, membership: emptyMembership() }, data: new Uint8Array() };
    this.ents = [{ index: 0, term: 0, type: 'normal', data: new Uint8Array() }];
    this.baseMembership = emptyMembership();
    if (init.membership !== undefined) {
      const founding = bootstrapEntries(init.membership);
      this.append(founding);
      this.hardState = { term: 0, vote: null, commit: founding.length };
    }
  }

  initialState(): StorageInitialState {
    return { hardState: { ...this.hardState }, membership: cloneMembership(this.baseMembership) };
  }

  hardStateNow(): HardState {
    return { ...this.hardState };
  }

  setHardState(hardState: HardState): void {
    this.hardState = { ...hardState };
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  term(index: number): number {
    if (index < this.offset()) throw new CompactedError(index);
    if (index > this.lastIndex()) throw new UnavailableError(index);
    return this.at(index).term;
  }

  entries(lo: number, hi: number, maxSizeBytes = Number.POSITIVE_INFINITY): Entry[] {
    if (lo <= this.offset()) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi);
    const out: Entry[] = [];
    let size = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.at(i);
      size += entrySizeBytes(e);
      if (out.length > 0 && size > maxSizeBytes) break;
      out.push(e);
    }
    return out;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /**
   * Appends entries, replacing any existing entries from the first new index on (a follower's
   * conflicting suffix, Raft §5.3). Entries already covered by the snapshot are skipped.
   */
  append(entries: readonly Entry[]): void {
    const live = entries.filter((e) => e.index > this.offset());
    const first = live[0];
    if (first === undefined) return;
    if (first.index > this.lastIndex() + 1) {
      throw new RaftUsageError(`append leaves a gap: last ${this.lastIndex()}, got ${first.index}`);
    }
    live.forEach((e, i) => {
      if (i > 0 && e.index !== first.index + i) throw new RaftUsageError('append: entries not contiguous');
    });
    this.ents = [...this.ents.slice(0, first.index - this.offset()), ...live];
  }

  /** Replaces everything with the snapshot (a follower receiving InstallSnapshot, Raft §7). */
  applySnapshot(snapshot: Snapshot): void {
    if (snapshot.metadata.index < this.snap.metadata.index) {
      throw new SnapshotOutOfDateError(`snapshot ${snapshot.metadata.index} < ${this.snap.metadata.index}`);
    }
    this.snap = snapshot;
    this.baseMembership = cloneMembership(snapshot.metadata.membership);
    this.ents = [{ index: snapshot.metadata.index, term: snapshot.metadata.term, type: 'normal', data: new Uint8Array() }];
  }

  /**
   * Records a snapshot of the state machine at `index` (≤ lastIndex). The configuration at `index` is
   * computed from the log unless given. Does not drop entries: call compact() for that.
   */
  createSnapshot(index: number, data: Uint8Array, membership?: Membership): Snapshot {
    if (index <= this.snap.metadata.index) throw new SnapshotOutOfDateError(`snapshot ${index} is not newer`);
    if (index > this.lastIndex()) throw new UnavailableError(index);
    const m = membership ?? this.membershipAt(index);
    this.snap = { metadata: { index, term: this.term(index), membership: cloneMembership(m) }, data };
    return this.snap;
  }

  /** Drops entries up to `index`, which must not pass the latest snapshot (see the file invariant). */
  compact(index: number): void {
    if (index <= this.offset()) return;
    if (index > this.snap.metadata.index) {
      throw new RaftUsageError(`compact ${index} passes the snapshot at ${this.snap.metadata.index}`);
    }
    this.baseMembership = this.membershipAt(index);
    this.ents = this.ents.slice(index - this.offset());
    const dummy = this.ents[0];
    if (dummy === undefined) throw new RaftUsageError('compact emptied the log');
    this.ents[0] = { index: dummy.index, term: dummy.term, type: 'normal', data: new Uint8Array() };
  }

  /** The configuration in effect at `index`: the snapshot's, plus every conf change up to `index`. */
  membershipAt(index: number): Membership {
    if (index < this.offset()) throw new CompactedError(index);
    let m = cloneMembership(this.baseMembership);
    const hi = Math.min(index, this.lastIndex());
    for (let i = this.offset() + 1; i <= hi; i++) {
      const e = this.at(i);
      if (e.type === 'confChange') m = applyConfChange(m, decodeConfChange(e.data));
    }
    return m;
  }

  private offset(): number {
    return (this.ents[0] as Entry).index;
  }

  private at(index: number): Entry {
    const e = this.ents[index - this.offset()];
    if (e === undefined) throw new UnavailableError(index);
    return e;
  }
}
