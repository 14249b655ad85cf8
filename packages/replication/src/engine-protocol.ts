import type { ConfChange, EntryType, Membership, NodeId, ProposalDropReason, Role } from '@tandem/raft';
import type { PackedPayloads } from './packed-payloads.js';
import type { PeerAddress } from './peer-link.js';
import type { LinkProtection } from './secure-connection.js';
import type { SnapshotTransferStatus } from './snapshot-sender.js';
import type { StandbyPeerStatus } from './standby-tracker.js';

/**
 * Messages between the RaftNode (the host, on the application's thread) and the RaftEngine (core,
 * log, transport and tick timer, normally in a worker thread). Plain structured-clone data: the
 * same protocol runs over a worker's port or an in-thread MessageChannel.
 */

/** Everything the engine needs to start; serializable (it crosses into the worker). */
export interface EngineOptions {
  id: NodeId;
  /** Holds log/, snapshots/, state/. */
  dataDir: string;
  listen: PeerAddress;
  /** Every other member's addresses, first preferred (DESIGN §2: several links per peer). */
  peers: Record<NodeId, PeerAddress[]>;
  /** Founding configuration of a new cluster (ignored once dataDir holds state); undefined: joining member. */
  bootstrap: Membership | undefined;
  secret: Uint8Array;
  /** How frames between members are protected (secure-connection.ts); the same on every member. */
  linkProtection: LinkProtection;
  isWitness: boolean;
  /** Length of one core tick in ms; the core's timeouts are counted in ticks. */
  tickMs: number;
  electionTimeoutTicks: number;
  heartbeatIntervalTicks: number;
  witnessElectionTimeoutTicks: number;
  leaseTicks: number;
  /** The state machine's durable applied index at start (entries after it are handed out again). */
  appliedIndex: number;
  /** A snapshot is taken after this many applied entries past the last one. 0: never. */
  snapshotIntervalEntries: number;
  maxSizePerMsgBytes: number;
  maxInflightMsgs: number;
  maxUncommittedSizeBytes: number;
  segmentBytesMax: number;
  /** DESIGN §3 hot standby (standby-tracker.ts): true, false, or undefined = on with exactly two data voters. */
  hotStandby: boolean | undefined;
  /** A data peer silent, or not keeping up, for this long counts as down (degraded). */
  dataPeerDownMs: number;
  /** While degraded: 'accept' proposals (leader + witness commit) or 'refuse' them (DegradedError). */
  degradedPolicy: DegradedPolicy;
  transport: {
    pingIntervalMs: number;
    linkTimeoutMs: number;
    primaryProbeIntervalMs: number;
    inflightBytesMax: number;
  };
}

/** A committed entry's position and type; its data travels in the message's PackedPayloads. */
export interface WireEntryHead {
  index: number;
  term: number;
  type: EntryType;
}

export interface SnapshotRef {
  index: number;
  term: number;
  path: string;
}

/** What a leader does with new proposals while degraded (DESIGN §3). */
export type DegradedPolicy = 'accept' | 'refuse';

export type ProposeFailure =
  | { kind: 'notLeader'; leaderHint: NodeId | null }
  | { kind: 'degraded'; downPeers: NodeId[] }
  | { kind: 'dropped'; reason: ProposalDropReason | 'closed' | 'invalid'; detail: string };

export type ProposeResult = { id: number; index: number; term: number } | { id: number; failure: ProposeFailure };

export type HostToEngine =
  /** Proposals made in one turn; data[k] of ids[k] is in `payloads` (one SharedArrayBuffer: copied once, on the host). */
  | { t: 'propose'; ids: number[]; payloads: PackedPayloads }
  | { t: 'proposeConfChange'; id: number; change: ConfChange }
  | { t: 'applied'; index: number }
  /** Answer to takeSnapshot: the host wrote its state as of `index` to the path (or failed). */
  | { t: 'snapshotWritten'; path: string; index: number; ok: boolean; error?: string }
  /** Answer to restore. */
  | { t: 'restored'; index: number }
  | { t: 'transferLeadership'; to: NodeId }
  | { t: 'campaign' }
  | { t: 'close' };

export interface LinkState {
  up: boolean;
  address: PeerAddress;
  switches: number;
  /** While down: why the link last failed (e.g. a link protection mismatch, a wrong secret). */
  error?: string;
}

export interface NodeStatus {
  id: NodeId;
  role: Role;
  term: number;
  /** Leader this member follows in `term`, or null. */
  leader: NodeId | null;
  commitIndex: number;
  /** Last index handed to the host for applying. */
  dispatchedIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  isWitness: boolean;
  membership: Membership;
  /** Leader only: it holds the lease (DESIGN §4). */
  leaseValid: boolean;
  /** Monotonic time (process.hrtime, ms) when the lease runs out if not renewed; 0 without a lease. */
  leaseExpiresAtMonoMs: number;
  links: Record<NodeId, LinkState>;
  snapshotTransfers: SnapshotTransferStatus[];
  /** Leader only: matchIndex per member. */
  matchIndex: Record<NodeId, number>;
  /**
   * Leader with hot standby only: another data voter is down (unreachable, or not keeping up), so
   * proposals are answered on the leader + witness quorum ('accept') or refused ('refuse').
   */
  degraded: boolean;
  /** Leader with hot standby only: each other data voter, its state and lag. Empty otherwise. */
  dataPeers: StandbyPeerStatus[];
}

export type EngineToHost =
  | { t: 'started'; port: number; status: NodeStatus }
  /** One result per proposal of a 'propose' message: where it landed in the log, or why it did not. */
  | { t: 'proposeResults'; results: ProposeResult[] }
  | { t: 'commit'; entries: WireEntryHead[]; payloads: PackedPayloads }
  /** Load this snapshot into the state machine before applying anything after it; answer 'restored'. */
  | { t: 'restore'; snapshot: SnapshotRef }
  /** Write the state machine's state to `path` (new file) and answer 'snapshotWritten' with the applied index it reflects. */
  | { t: 'takeSnapshot'; path: string }
  | { t: 'status'; status: NodeStatus }
  /**
   * Leader: entries up to ackIndex are on every data peer it waits for (hot standby; +∞ when it waits
   * for none). Sent when it changes, and at the start of each term as leader.
   */
  | { t: 'standby'; ackIndex: number; degraded: boolean }
  /** This member stopped being leader (of `term`): proposals not yet handed out for applying have an unknown outcome. */
  | { t: 'leadershipLost'; term: number }
  | { t: 'failed'; message: string }
  | { t: 'closed' };

/** Monotonic milliseconds, comparable across the threads of one process. */
export function monoNowMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}
