// @tandem/replication: the driver of the Raft core (@tandem/raft): durable log, hard state and
// snapshots on disk, an authenticated TCP transport, and RaftNode, which runs it all in a worker
// thread and resolves propose() with the state machine's result.
export { RaftNode } from './raft-node.js';
export type { RaftNodeOptions, RaftNodeStatus, StateMachine, CommittedEntry } from './raft-node.js';
export type { NodeStatus, LinkState, DegradedPolicy } from './engine-protocol.js';
export type { StandbyPeerStatus, StandbyPeerState } from './standby-tracker.js';
export type { EngineSeams } from './raft-engine.js';
export {
  NotLeaderError, LeadershipLostError, TimeoutError, NodeClosedError, ProposalRejectedError, CorruptionError, DegradedError,
  FatalStorageError, AuthenticationError, LinkProtectionMismatchError, WireFormatError, StateMachineAheadOfLogError,
} from './errors.js';
export { linkProtections } from './secure-connection.js';
export type { LinkProtection } from './secure-connection.js';
export { crashProcess } from './fatal-handler.js';
export type { FatalHandler } from './fatal-handler.js';
export { replicationLimits } from './replication-limits.js';

// The seams, each usable on its own (hashicorp/raft style).
export { FileLogStore } from './file-log-store.js';
export type { FileLogStoreOptions, FileLogStoreStats, LogOpenReport } from './file-log-store.js';
export type { LogRecord } from './log-record.js';
export { FileStableStore } from './stable-store.js';
export { writeSingleMemberState } from './single-member-state.js';
export type { SingleMemberState } from './single-member-state.js';
export type { StableStoreOptions } from './stable-store.js';
export { FileSnapshotStore, SnapshotWriter } from './snapshot-store.js';
export type { SnapshotMeta, SnapshotProgress, SnapshotStoreOptions } from './snapshot-store.js';
export { FileStorage } from './file-storage.js';
export type { FileStorageOptions } from './file-storage.js';
export { TcpTransport } from './tcp-transport.js';
export type { TcpTransportOptions, TransportHandler, TransportStats } from './tcp-transport.js';
export type { PeerAddress, PeerLinkStatus } from './peer-link.js';
export type { SnapshotTransferStatus } from './snapshot-sender.js';

// Real-process cluster tooling (acceptance tests, bench/raft.ts).
