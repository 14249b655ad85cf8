// A read-only picture of one member, for drivers, the CLI and the simulator's checkers.
import type { NodeId } from './entry.js';
import type { HardState, Role } from './hard-state.js';
import type { Membership } from './membership.js';

/** Replication flow control state of one follower, as the leader sees it (etcd's probe/replicate). */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export interface ProgressStatus {
  /** matchIndex (Raft Figure 2). */
  match: number;
  /** nextIndex (Raft Figure 2). */
  next: number;
  state: ProgressState;
  /** Heard from within the last election timeout (check-quorum, thesis §6.2). */
  recentActive: boolean;
  /** appendEntries messages in flight (replicate state). */
  inflight: number;
  /** Index of the snapshot being sent (snapshot state), else 0. */
  pendingSnapshot: number;
}

export interface Status {
  id: NodeId;
  role: Role;
  term: number;
  vote: NodeId | null;
  /** The leader this member follows in `term`, or null. */
  lead: NodeId | null;
  commit: number;
  applied: number;
  lastIndex: number;
  hardState: HardState;
  membership: Membership;
  isWitness: boolean;
  /** Leader only: per member (including itself), keyed by id; empty otherwise. */
  progress: Record<NodeId, ProgressStatus>;
  /**
   * Leader only: it holds a lease — a quorum acknowledged a message it sent less than leaseTicks ago,
   * it has committed an entry of its term, no leadership transfer is under way, and it is not a
   * witness. Lost on check-quorum failure. While it holds, no other member can become leader (voters
   * refuse votes for electionTimeoutTicks after hearing from a leader), and any earlier leader's lease
   * has ended: the VIP and lease-based reads may follow it (DESIGN §4). Requires the driver to tick
   * from a monotonic clock and to catch up missed ticks after a stall before acting on it.
   */
  leaseValid: boolean;
  /** Leader only: ticks of lease left (0 when not valid). */
  leaseRemainingTicks: number;
  /** Leader only: the member leadership is being handed to, or null. */
  leadTransferee: NodeId | null;
  /**
   * The index every data member (data voters and learners) holds, capped at commit: on the leader,
   * computed from matchIndex; on a follower, the latest value the leader sent. A witness may compact its
   * log up to min(this, applied) — what it drops, every data member that could need it already has.
   */
  dataIndex: number;
}
