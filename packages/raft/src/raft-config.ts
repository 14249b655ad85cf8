// Configuration of one member's core. Time is counted in ticks: the driver calls tick() on a monotonic
// clock (e.g. every 100 ms); the core never reads a clock itself.
import type { NodeId } from './entry.js';
import { RaftUsageError } from './raft-errors.js';

export interface RaftConfig {
  id: NodeId;
  /**
   * Minimum election timeout (Raft §5.2). A follower campaigns after a random timeout in
   * [electionTimeoutTicks, 2 × electionTimeoutTicks) without hearing from a leader. Also the leader
   * stickiness window: a voter refuses (pre-)votes for this long after hearing from a leader.
   */
  electionTimeoutTicks: number;
  /** The leader sends heartbeats this often (Raft §5.2). Must be < electionTimeoutTicks. */
  heartbeatIntervalTicks: number;
  /** A witness's minimum election timeout (> electionTimeoutTicks), so a data member normally wins. */
  witnessElectionTimeoutTicks: number;
  /**
   * Leader lease: a leader holds it while a quorum acknowledged a message it sent less than leaseTicks
   * ago. Must be < electionTimeoutTicks (the margin absorbs clock-rate drift between members).
   */
  leaseTicks: number;
  /** Pre-Vote (thesis §9.6). */
  preVote: boolean;
  /** Check-Quorum (thesis §6.2): a leader that has not heard from a quorum within an election timeout steps down. */
  checkQuorum: boolean;
  /** Most entry bytes in one appendEntries message (at least one entry is always sent). */
  maxSizePerMsgBytes: number;
  /** Most appendEntries messages in flight to one follower in the replicate state. */
  maxInflightMsgs: number;
  /** Most bytes of committed entries handed out in one Ready (at least one entry). */
  maxCommittedSizePerReadyBytes: number;
  /** Most bytes of proposed-but-uncommitted entries a leader holds; beyond it proposals are dropped. */
  maxUncommittedSizeBytes: number;
  /** Uniform random number in [0, 1), seeded and injected by the driver (the core never calls Math.random). */
  rand: () => number;
  /** This member holds no state machine: it votes and stores the log but never applies or serves. */
  isWitness: boolean;
  /**
   * Index the state machine has already applied (durably). Committed entries after it are handed out
   * again after a restart. Defaults to the storage's snapshot index.
   */
  applied?: number;
}

export type RaftConfigInput = Pick<RaftConfig, 'id' | 'rand'> & Partial<RaftConfig>;

/** Defaults for a 100 ms tick: elections after 1–2 s, heartbeats every 100 ms, a 0.8 s lease. */
export function defaultRaftConfig(input: RaftConfigInput): RaftConfig {
  return {
    electionTimeoutTicks: 10,
    heartbeatIntervalTicks: 1,
    witnessElectionTimeoutTicks: 20,
    leaseTicks: 8,
    preVote: true,
    checkQuorum: true,
    maxSizePerMsgBytes: 1024 * 1024,
    maxInflightMsgs: 256,
    maxCommittedSizePerReadyBytes: 16 * 1024 * 1024,
    maxUncommittedSizeBytes: 64 * 1024 * 1024,
    isWitness: false,
    ...input,
  };
}

export function validateRaftConfig(c: RaftConfig): void {
  const fail = (why: string): never => {
    throw new RaftUsageError(`raft config: ${why}`);
  };
  if (c.id === '') fail('id is empty');
  const positive = ['electionTimeoutTicks', 'heartbeatIntervalTicks', 'witnessElectionTimeoutTicks',
    'leaseTicks', 'maxSizePerMsgBytes', 'maxInflightMsgs', 'maxCommittedSizePerReadyBytes',
    'maxUncommittedSizeBytes'] as const;
  for (const k of positive) if (!Number.isInteger(c[k]) || c[k] <= 0) fail(`${k} must be a positive integer`);
  if (c.heartbeatIntervalTicks >= c.electionTimeoutTicks) fail('heartbeatIntervalTicks must be < electionTimeoutTicks');
  if (c.leaseTicks >= c.electionTimeoutTicks) fail('leaseTicks must be < electionTimeoutTicks');
  if (c.witnessElectionTimeoutTicks <= c.electionTimeoutTicks) {
    fail('witnessElectionTimeoutTicks must be > electionTimeoutTicks');
  }
  if (c.applied !== undefined && (!Number.isInteger(c.applied) || c.applied < 0)) fail('applied must be ≥ 0');
}
