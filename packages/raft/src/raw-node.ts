// The core's public face (etcd's RawNode): feed it ticks, messages and proposals; take Ready batches of
// work; confirm them with advance(). Pure and single-threaded: the driver serialises every call.
import type { Entry, NodeId } from './entry.js';
import { entrySizeBytes } from './entry.js';
import type { HardState, SoftState } from './hard-state.js';
import { hardStateEquals } from './hard-state.js';
import type { Message } from './message.js';
import type { ConfChange } from './conf-change.js';
import { applyConfChange, encodeConfChange } from './conf-change.js';
import { cloneMembership, membershipEquals } from './membership.js';
import { Raft } from './raft.js';
import { startLeaderTransfer } from './leadership-transfer.js';
import { leaseRemainingTicks } from './leader-lease.js';
import type { RaftConfig } from './raft-config.js';
import type { Ready } from './ready.js';
import type { Status, ProgressStatus } from './status.js';
import type { Storage } from './storage.js';
import {
  LeadershipTransferError, NotLeaderError, ProposalDroppedError, RaftUsageError,
} from './raft-errors.js';

/** Where a proposal landed in the leader's log. It is committed only if, later, the entry applied at
 *  `index` has this `term` (otherwise a new leader overwrote it and the proposal was lost). */
export interface ProposalPosition {
  index: number;
  term: number;
}

export type SnapshotReport = 'finish' | 'failure';

export class RawNode {
  private readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private readyOutstanding = false;

  constructor(config: RaftConfig, storage: Storage) {
    this.raft = new Raft(config, storage);
    this.prevSoftState = this.softState();
    this.prevHardState = this.hardState();
  }

  /** Advances logical time by one tick (election and heartbeat timeouts, lease, check-quorum). */
  tick(): void {
    this.raft.tick();
  }

  /** Feeds a message received from a peer. Messages for another member are a usage error. */
  step(message: Message): void {
    if (message.to !== this.raft.id) throw new RaftUsageError(`message for ${message.to} sent to ${this.raft.id}`);
    if (message.from === this.raft.id) throw new RaftUsageError('a member cannot message itself');
    this.raft.step(message);
  }

  /**
   * Leader only: appends a command to the log and starts replicating it. Throws NotLeaderError
   * (with a leader hint) on other members and ProposalDroppedError when the leader refuses it; in both
   * cases nothing was appended.
   */
  propose(data: Uint8Array): ProposalPosition {
    this.checkCanPropose();
    const sizeBytes = entrySizeBytes({ term: 0, index: 0, type: 'normal', data });
    const r = this.raft;
    if (r.uncommittedSizeBytes > 0 && r.uncommittedSizeBytes + sizeBytes > r.cfg.maxUncommittedSizeBytes) {
      throw new ProposalDroppedError('uncommittedLimit');
    }
    const index = r.appendEntries([{ term: 0, index: 0, type: 'normal', data }]);
    r.trackUncommitted(index, sizeBytes);
    r.bcastAppend();
    return { index, term: r.term };
  }

  /**
   * Leader only: appends several commands as consecutive entries of the leader's term (all or none),
   * then replicates them together (Raft §5.3): each follower gets ONE appendEntries carrying the
   * batch when it fits in maxSizePerMsgBytes; a larger batch goes out in several messages, each within
   * that limit, as far as the follower's inflight window allows (a follower being probed gets one).
   * Positions are returned in the order of `datas`. Throws like propose() with nothing appended, and
   * ProposalDroppedError('uncommittedLimit') when the batch would pass maxUncommittedSizeBytes (a
   * batch of one entry follows propose()'s rule: accepted when nothing else is uncommitted). An empty
   * batch appends nothing and returns [].
   */
  proposeBatch(datas: readonly Uint8Array[]): ProposalPosition[] {
    this.checkCanPropose();
    if (datas.length === 0) return [];
    const r = this.raft;
    const sizes = datas.map((data) => entrySizeBytes({ term: 0, index: 0, type: 'normal', data }));
    let batchBytes = 0;
    for (const s of sizes) batchBytes += s;
    const overLimit = r.uncommittedSizeBytes + batchBytes > r.cfg.maxUncommittedSizeBytes;
    if (overLimit && (r.uncommittedSizeBytes > 0 || datas.length > 1)) throw new ProposalDroppedError('uncommittedLimit');
    const last = r.appendEntries(datas.map((data) => ({ term: 0, index: 0, type: 'normal' as const, data })));
    const first = last - datas.length + 1;
    const positions: ProposalPosition[] = [];
    for (let k = 0; k < datas.length; k++) {
      r.trackUncommitted(first + k, sizes[k] as number);
      positions.push({ index: first + k, term: r.term });
    }
    r.bcastAppendPipelined();
    return positions;
  }

  /**
   * Leader only: proposes a single-server membership change (thesis §4.1). Refused (ProposalDroppedError)
   * until the leader has committed an entry of its term and while another change is uncommitted;
   * InvalidConfChangeError when the change does not fit the current configuration.
   */
  proposeConfChange(change: ConfChange): ProposalPosition {
    this.checkCanPropose();
    const r = this.raft;
    applyConfChange(r.membership(), change); // validates; throws InvalidConfChangeError
    if (r.log.committed < r.termStartIndex) throw new ProposalDroppedError('noCommitInTerm');
    if (r.log.committed < r.pendingConfIndex) throw new ProposalDroppedError('confChangePending');
    const index = r.appendEntries([{ term: 0, index: 0, type: 'confChange', data: encodeConfChange(change) }]);
    r.pendingConfIndex = index;
    r.bcastAppend();
    return { index, term: r.term };
  }

  /**
   * Starts an election now (through Pre-Vote when enabled). Ignored on a leader, a non-voter, and a
   * member that heard from a live leader less than an election timeout ago (leader stickiness — an
   * election then would break the leader's lease; use transferLeadership()).
   */
  campaign(): void {
    if (this.raft.inLease()) return;
    this.raft.hup('campaign');
  }

  /**
   * Leader only: hands leadership to `to` (thesis §3.10): stops accepting proposals, brings `to` up to
   * date, then sends it TimeoutNow. Aborted after an election timeout if `to` has not taken over.
   * Throws NotLeaderError on a non-leader, LeadershipTransferError when `to` is not a data voter.
   */
  transferLeadership(to: NodeId): void {
    const r = this.raft;
    if (r.role !== 'leader') throw new NotLeaderError(r.lead);
    if (to === r.id) {
      r.abortLeaderTransfer();
      return;
    }
    const m = r.membership();
    if (!m.voters.includes(to)) throw new LeadershipTransferError(`${to} is not a voter`);
    if (m.witnesses.includes(to)) throw new LeadershipTransferError(`${to} is a witness`);
    if (r.leadTransferee === to) return;
    startLeaderTransfer(r, to);
  }

  /** The transport could not reach `id`: fall back to probing (one message at a time). */
  reportUnreachable(id: NodeId): void {
    const pr = this.raft.role === 'leader' ? this.raft.prs.get(id) : undefined;
    if (pr !== undefined && pr.state === 'replicate') pr.becomeProbe();
  }

  /** The transport finished (or failed) sending the installSnapshot message to `id`. */
  reportSnapshot(id: NodeId, report: SnapshotReport): void {
    const pr = this.raft.role === 'leader' ? this.raft.prs.get(id) : undefined;
    if (pr === undefined || pr.state !== 'snapshot') return;
    if (report === 'failure') pr.pendingSnapshot = 0;
    // Either way, probe: after 'finish' the follower's reply moves it on; after 'failure' the next
    // probe finds the entries still missing and a snapshot is sent again.
    pr.becomeProbe();
    pr.probeSent = report === 'finish';
  }

  hasReady(): boolean {
    if (this.readyOutstanding) return false;
    const r = this.raft;
    return !softStateEquals(this.softState(), this.prevSoftState)
      || !hardStateEquals(this.hardState(), this.prevHardState)
      || r.log.unstable.entries.length > 0
      || r.log.hasPendingSnapshot()
      || r.msgs.length > 0
      || r.log.hasNextCommittedEntries();
  }

  /** The next batch of work. Follow the ordering contract on {@link Ready}, then call advance(). */
  ready(): Ready {
    if (this.readyOutstanding) throw new RaftUsageError('ready() called again before advance()');
    const r = this.raft;
    const soft = this.softState();
    const hard = this.hardState();
    const entries = r.log.unstableEntries();
    const snapshot = r.log.unstable.snapshot;
    const rd: Ready = {
      entries,
      committedEntries: r.log.nextCommittedEntries(r.cfg.maxCommittedSizePerReadyBytes),
      messages: r.msgs,
      mustSync: false,
    };
    if (!softStateEquals(soft, this.prevSoftState)) rd.softState = soft;
    if (!hardStateEquals(hard, this.prevHardState)) rd.hardState = hard;
    if (snapshot !== undefined) rd.snapshot = snapshot;
    rd.mustSync = entries.length > 0 || snapshot !== undefined
      || hard.term !== this.prevHardState.term || hard.vote !== this.prevHardState.vote;
    r.msgs = [];
    this.prevSoftState = soft;
    this.prevHardState = hard;
    this.readyOutstanding = true;
    return rd;
  }

  /** Confirms that `ready` was handled per its contract (persisted, sent, applied). */
  advance(ready: Ready): void {
    if (!this.readyOutstanding) throw new RaftUsageError('advance() without an outstanding ready()');
    this.readyOutstanding = false;
    const log = this.raft.log;
    const last: Entry | undefined = ready.entries[ready.entries.length - 1];
    if (ready.snapshot !== undefined) {
      log.stableSnapTo(ready.snapshot.metadata.index);
      if (ready.snapshot.metadata.index > log.applied) log.applied = ready.snapshot.metadata.index;
    }
    if (last !== undefined) log.stableTo(last.index, last.term);
    const applied: Entry | undefined = ready.committedEntries[ready.committedEntries.length - 1];
    if (applied !== undefined) log.appliedTo(applied.index);
  }

  status(): Status {
    const r = this.raft;
    const progress: Record<NodeId, ProgressStatus> = {};
    if (r.role === 'leader') {
      for (const [id, pr] of r.prs) {
        progress[id] = {
          match: pr.match, next: pr.next, state: pr.state, recentActive: r.isRecentActive(id),
          inflight: pr.inflights.count(), pendingSnapshot: pr.pendingSnapshot,
        };
      }
    }
    const remaining = leaseRemainingTicks(r);
    return {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      lead: r.lead,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      hardState: this.hardState(),
      membership: cloneMembership(r.membership()),
      isWitness: r.cfg.isWitness,
      progress,
      leaseValid: remaining > 0,
      leaseRemainingTicks: remaining,
      leadTransferee: r.leadTransferee,
      dataIndex: r.dataIndex(),
    };
  }

  private checkCanPropose(): void {
    const r = this.raft;
    if (r.role !== 'leader') throw new NotLeaderError(r.lead);
    if (r.cfg.isWitness) throw new ProposalDroppedError('witness');
    if (!r.membership().voters.includes(r.id)) throw new ProposalDroppedError('removed');
    if (r.leadTransferee !== null) throw new ProposalDroppedError('leadershipTransfer');
  }

  private softState(): SoftState {
    const r = this.raft;
    return { lead: r.lead, role: r.role, membership: cloneMembership(r.membership()) };
  }

  private hardState(): HardState {
    const r = this.raft;
    return { term: r.term, vote: r.vote, commit: r.log.committed };
  }
}

function softStateEquals(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.role === b.role && membershipEquals(a.membership, b.membership);
}
