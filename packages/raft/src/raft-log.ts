// A member's view of the Raft log (Raft §5.3): the stable part in Storage, the unstable tail in
// UnstableLog, and the commitIndex / lastApplied pointers of Figure 2.
// Invariants: applied ≤ committed ≤ lastIndex(); committed never decreases; an entry at or below
// committed is never overwritten (Raft §5.4, Leader Completeness).
import type { Entry } from './entry.js';
import { entrySizeBytes } from './entry.js';
import type { Snapshot } from './snapshot.js';
import type { Storage } from './storage.js';
import { UnstableLog } from './unstable-log.js';
import { CompactedError, RaftInvariantError, UnavailableError } from './raft-errors.js';

export class RaftLog {
  readonly unstable: UnstableLog;
  committed: number;
  applied: number;
  /** Told about every append (the core tracks configuration changes in the log, thesis §4.1). */
  onAppend: (ents: readonly Entry[]) => void = () => {};

  constructor(readonly storage: Storage) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new UnstableLog(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    if (t === undefined) throw new RaftInvariantError('term of the last index is unknown');
    return t;
  }

  /** Term at `index`, or undefined when compacted away or past the end. */
  term(index: number): number | undefined {
    const dummy = this.firstIndex() - 1;
    if (index < dummy || index > this.lastIndex()) return undefined;
    const t = this.unstable.maybeTerm(index);
    if (t !== undefined) return t;
    try {
      return this.storage.term(index);
    } catch (e) {
      if (e instanceof CompactedError || e instanceof UnavailableError) return undefined;
      throw e;
    }
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /**
   * Raft §5.4.1: a candidate's log is at least as up to date as ours when its last term is greater,
   * or equal with a last index at least as large.
   */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Figure 2, AppendEntries receiver rules 2–5. Returns the index of the last new entry, or undefined
   * when the log has no entry at prevIndex with prevTerm (rule 2).
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, ents: Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + ents.length;
    const conflict = this.findConflict(ents);
    if (conflict !== 0) {
      // Rule 3: delete the conflicting entry and all that follow; rule 4: append new entries.
      if (conflict <= this.committed) {
        throw new RaftInvariantError(`entry ${conflict} conflicts with committed entry (commit ${this.committed})`);
      }
      this.append(ents.slice(conflict - (prevIndex + 1)));
    }
    // Rule 5: commitIndex = min(leaderCommit, index of last new entry).
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** First index whose entry is missing or has another term; 0 when every entry is already held. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * Fast backtracking (Raft §5.3, "the follower can include the term of the conflicting entry"):
   * the largest index ≤ `index` whose term ≤ `term`, with that term. Every entry after it up to
   * `index` has a term > `term`, so it cannot match the other log there.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (;;) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
      i--;
    }
  }

  append(ents: readonly Entry[]): number {
    const first = ents[0];
    if (first === undefined) return this.lastIndex();
    if (first.index - 1 < this.committed) {
      throw new RaftInvariantError(`append at ${first.index} would overwrite committed ${this.committed}`);
    }
    this.unstable.truncateAndAppend(ents);
    this.onAppend(ents);
    return this.lastIndex();
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    if (index > this.lastIndex()) {
      throw new RaftInvariantError(`commit ${index} is past the last index ${this.lastIndex()}`);
    }
    this.committed = index;
    return true;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    if (index > this.committed || index < this.applied) {
      throw new RaftInvariantError(`applied ${index} outside [${this.applied}, ${this.committed}]`);
    }
    this.applied = index;
  }

  unstableEntries(): Entry[] {
    return [...this.unstable.entries];
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  hasNextCommittedEntries(): boolean {
    if (this.hasPendingSnapshot()) return false;
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  nextCommittedEntries(maxSizeBytes: number): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    return this.slice(lo, this.committed + 1, maxSizeBytes);
  }

  /** Entries from `lo` on, at most maxSizeBytes (but at least one); undefined when `lo` is compacted. */
  entriesFrom(lo: number, maxSizeBytes: number): Entry[] | undefined {
    if (lo > this.lastIndex()) return [];
    if (lo < this.firstIndex()) return undefined;
    try {
      return this.slice(lo, this.lastIndex() + 1, maxSizeBytes);
    } catch (e) {
      if (e instanceof CompactedError) return undefined;
      throw e;
    }
  }

  /** Entries [lo, hi) from storage and the unstable tail, capped at maxSizeBytes (at least one entry). */
  slice(lo: number, hi: number, maxSizeBytes = Number.POSITIVE_INFINITY): Entry[] {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new RaftInvariantError(`slice [${lo},${hi}) past ${this.lastIndex()}`);
    const off = this.unstable.offset;
    let out: Entry[] = [];
    if (lo < off) {
      out = this.storage.entries(lo, Math.min(hi, off), maxSizeBytes);
      if (out.length < Math.min(hi, off) - lo) return out; // limited by size
    }
    if (hi > off) {
      const tail = this.unstable.slice(Math.max(lo, off), hi);
      out = out.length === 0 ? tail : [...out, ...tail];
    }
    return limitSize(out, maxSizeBytes);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Raft §7: replace the log with a snapshot the leader sent. */
  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index;
    this.unstable.restore(snapshot);
  }

  stableTo(index: number, term: number): void {
    this.unstable.stableTo(index, term);
  }

  stableSnapTo(index: number): void {
    this.unstable.stableSnapTo(index);
  }
}

function limitSize(ents: Entry[], maxSizeBytes: number): Entry[] {
  if (ents.length === 0 || maxSizeBytes === Number.POSITIVE_INFINITY) return ents;
  let size = 0;
  for (let i = 0; i < ents.length; i++) {
    size += entrySizeBytes(ents[i] as Entry);
    if (size > maxSizeBytes && i > 0) return ents.slice(0, i);
  }
  return ents;
}
