// The leader's view of one member's replication (Raft Figure 2: nextIndex, matchIndex) plus flow control:
//  - probe: one appendEntries at a time, until the follower's log position is found;
//  - replicate: optimistic pipelining, up to maxInflightMsgs messages in flight;
//  - snapshot: an InstallSnapshot is in flight; nothing else is sent.
// Invariant: match < next.
import { Inflights } from './inflights.js';
import type { ProgressState } from './status.js';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** probe state: an appendEntries was sent and not answered; wait (or for the next heartbeat reply). */
  probeSent = false;
  pendingSnapshot = 0;
  /** Leader tick at which this member last answered (check-quorum, thesis §6.2). */
  lastContactTick: number;
  /** Highest leader tick (Message.sentTick) this member acknowledged in the leader's term: the lease. */
  ackedSentTick = Number.NEGATIVE_INFINITY;
  readonly inflights: Inflights;

  constructor(next: number, maxInflightMsgs: number, nowTick: number) {
    this.next = next;
    // A new follower gets one election timeout of grace before it counts as unresponsive.
    this.lastContactTick = nowTick;
    this.inflights = new Inflights(maxInflightMsgs);
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** An acknowledgement up to `index` arrived; returns false when it is stale. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejection of the appendEntries whose prevLogIndex was `rejected`; `matchHint` is the leader's
   * guess (from the follower's conflict hint) of the last index that may match. Returns false when
   * the rejection is stale (Raft §5.3: decrement nextIndex and retry).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Records that an appendEntries carrying entries up to `lastIndex` was sent. */
  sentEntries(count: number, lastIndex: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe': return this.probeSent;
      case 'replicate': return this.inflights.full();
      case 'snapshot': return true;
    }
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }
}
