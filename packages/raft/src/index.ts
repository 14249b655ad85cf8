// @tandem/raft: the Raft consensus core, a pure state machine (no sockets, files, timers or clocks).
// Drive it through RawNode and honour the ordering contract written on Ready (ready.ts).
export type { NodeId, EntryType, Entry } from './entry.js';
export { entrySizeBytes } from './entry.js';
export type { HardState, SoftState, Role } from './hard-state.js';
export { emptyHardState, hardStateEquals } from './hard-state.js';
export type { Membership } from './membership.js';
export {
  emptyMembership, cloneMembership, isVoter, isWitnessMember, isLearner, allMembers, dataVoters,
  membershipEquals, quorumSize,
} from './membership.js';
export type { ConfChange, ConfChangeType } from './conf-change.js';
export { encodeConfChange, decodeConfChange, applyConfChange } from './conf-change.js';
export { bootstrapEntries } from './bootstrap.js';
export type { Snapshot, SnapshotMetadata } from './snapshot.js';
export type { Message, MessageType } from './message.js';
export { MESSAGE_TYPES, newMessage, isResponseMessage } from './message.js';
export type { Storage, StorageInitialState } from './storage.js';
export { MemoryStorage } from './memory-storage.js';
export type { MemoryStorageInit } from './memory-storage.js';
export type { RaftConfig, RaftConfigInput } from './raft-config.js';
export { defaultRaftConfig, validateRaftConfig } from './raft-config.js';
export type { Ready } from './ready.js';
export type { Status, ProgressStatus, ProgressState } from './status.js';
export { RawNode } from './raw-node.js';
export type { ProposalPosition, SnapshotReport } from './raw-node.js';
export {
  RaftError, NotLeaderError, ProposalDroppedError, InvalidConfChangeError, CompactedError,
  UnavailableError, SnapshotTemporarilyUnavailableError, SnapshotOutOfDateError, RaftUsageError,
  RaftInvariantError, LeadershipTransferError,
} from './raft-errors.js';
export type { ProposalDropReason } from './raft-errors.js';
