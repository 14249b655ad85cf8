// Raft's safety properties (Raft §5.4, Figure 3), checked by a simulation after every step:
//  - Election Safety: at most one leader per term;
//  - Log Matching: two logs with an entry of the same index and term hold the same entry and agree on
//    the term of the entry before it (so, by induction, on the whole prefix);
//  - Leader Completeness: a leader holds every entry committed in an earlier term;
//  - State Machine Safety: every data member applies the same entry at each index, without gaps;
//  - no entry committed twice with different contents; no proposal applied twice;
//  - the leader lease: while a leader believes its lease valid, nobody leads a later term.
import type { Entry, MemoryStorage, NodeId } from '@tandem/raft';

export interface Violation {
  kind: string;
  detail: string;
}

interface CommittedEntry {
  term: number;
  /** Lowest currentTerm of a member that saw it committed. */
  observedTerm: number;
}

const textDecoder = new TextDecoder();

function entryKey(e: Entry): string {
  return `${e.term}:${e.type}:${textDecoder.decode(e.data)}`;
}

export class SafetyChecker {
  readonly violations: Violation[] = [];
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** `${index}/${term}` → entry contents and the term of the entry before it. */
  private readonly logEntries = new Map<string, { key: string; prevTerm: number | undefined }>();
  private readonly committed = new Map<number, CommittedEntry>();
  private readonly appliedAt = new Map<number, string>();
  private readonly applyCursor = new Map<NodeId, number>();
  private readonly commitSeen = new Map<NodeId, number>();

  fail(kind: string, detail: string): void {
    this.violations.push({ kind, detail });
  }

  /** After a member persisted `entries` (its storage already updated). */
  onPersistEntries(node: NodeId, entries: readonly Entry[], storage: MemoryStorage): void {
    for (const e of entries) {
      let prevTerm: number | undefined;
      try {
        prevTerm = storage.term(e.index - 1);
      } catch {
        prevTerm = undefined;
      }
      const k = `${e.index}/${e.term}`;
      const known = this.logEntries.get(k);
      const key = entryKey(e);
      if (known === undefined) {
        this.logEntries.set(k, { key, prevTerm });
        continue;
      }
      if (known.key !== key) this.fail('log matching', `${node} holds a different entry at ${k}: ${key} vs ${known.key}`);
      if (known.prevTerm !== undefined && prevTerm !== undefined && known.prevTerm !== prevTerm) {
        this.fail('log matching', `${node}: entry ${k} follows term ${prevTerm}, elsewhere term ${known.prevTerm}`);
      }
      if (known.prevTerm === undefined && prevTerm !== undefined) known.prevTerm = prevTerm;
    }
  }

  /** A member reported commitIndex `commit` while in `term`. */
  onCommit(node: NodeId, commit: number, term: number, storage: MemoryStorage, leaders: Array<{ id: NodeId; term: number; storage: MemoryStorage }>): void {
    const from = this.commitSeen.get(node) ?? 0;
    if (commit <= from) return;
    this.commitSeen.set(node, commit);
    const first = Math.max(from + 1, storage.firstIndex());
    for (let i = first; i <= commit; i++) {
      let t: number;
      try {
        t = storage.term(i);
      } catch {
        this.fail('commit', `${node} reports commit ${commit} but does not hold entry ${i}`);
        return;
      }
      const known = this.committed.get(i);
      if (known === undefined) {
        this.committed.set(i, { term: t, observedTerm: term });
        for (const l of leaders) if (l.term > term) this.checkHolds(l.id, l.storage, i, t);
      } else if (known.term !== t) {
        this.fail('commit', `index ${i} committed with term ${known.term} and with term ${t} (at ${node})`);
      } else if (term < known.observedTerm) {
        known.observedTerm = term;
      }
    }
  }

  /** A member forgot its commit index (restart): commits it sees again are checked from the start. */
  onRestart(node: NodeId): void {
    this.commitSeen.delete(node);
    this.applyCursor.delete(node);
  }

  /** A member is leader in `term` (observed after a step). */
  onLeader(node: NodeId, term: number, storage: MemoryStorage): void {
    const known = this.leaderOfTerm.get(term);
    if (known === node) return;
    if (known !== undefined) {
      this.fail('election safety', `two leaders in term ${term}: ${known} and ${node}`);
      return;
    }
    this.leaderOfTerm.set(term, node);
    for (const [i, c] of this.committed) if (c.observedTerm < term) this.checkHolds(node, storage, i, c.term);
  }

  private checkHolds(node: NodeId, storage: MemoryStorage, index: number, term: number): void {
    if (index < storage.firstIndex()) return; // inside its snapshot, which only holds committed state
    let t: number | undefined;
    try {
      t = storage.term(index);
    } catch {
      t = undefined;
    }
    if (t !== term) {
      this.fail('leader completeness', `leader ${node} lacks committed entry ${index} (term ${term}); holds term ${t ?? 'none'}`);
    }
  }

  /** A data member loaded a snapshot at `index`: it resumes applying after it. */
  onSnapshotLoaded(node: NodeId, index: number, term: number): void {
    this.applyCursor.set(node, index + 1);
    const known = this.committed.get(index);
    if (known !== undefined && known.term !== term) {
      this.fail('snapshot', `${node} loaded a snapshot at ${index}/${term}, but ${index} committed with term ${known.term}`);
    }
  }

  /** A data member applied `entry` to its state machine. */
  onApply(node: NodeId, entry: Entry): void {
    const expected = this.applyCursor.get(node);
    if (expected !== undefined && entry.index !== expected) {
      this.fail('state machine safety', `${node} applied ${entry.index}, expected ${expected}`);
    }
    this.applyCursor.set(node, entry.index + 1);
    const key = entryKey(entry);
    const known = this.appliedAt.get(entry.index);
    if (known === undefined) this.appliedAt.set(entry.index, key);
    else if (known !== key) this.fail('state machine safety', `${node} applied ${key} at ${entry.index}; others applied ${known}`);
    const c = this.committed.get(entry.index);
    if (c === undefined) this.fail('state machine safety', `${node} applied ${entry.index} before anyone saw it committed`);
  }

  /** Leader lease: a member holding a valid lease in term T while another leads a later term. */
  checkLeases(members: Array<{ id: NodeId; role: string; term: number; leaseValid: boolean }>): void {
    for (const holder of members) {
      if (!holder.leaseValid) continue;
      for (const other of members) {
        if (other.role === 'leader' && other.term > holder.term) {
          this.fail('leader lease', `${holder.id} holds a lease in term ${holder.term} while ${other.id} leads term ${other.term}`);
        }
      }
    }
  }
}
