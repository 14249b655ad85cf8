// Typed errors of the Raft core. Callers branch on the class, never on the message text.
import type { NodeId } from './entry.js';

export class RaftError extends Error {
  override name = 'RaftError';
}

/** A proposal (or transfer request) reached a member that is not the leader. */
export class NotLeaderError extends RaftError {
  override name = 'NotLeaderError';
  constructor(readonly leaderHint: NodeId | null) {
    super(leaderHint === null ? 'not the leader; leader unknown' : `not the leader; try ${leaderHint}`);
  }
}

export type ProposalDropReason =
  | 'leadershipTransfer' // thesis §3.10: the leader stops accepting proposals while handing over
  | 'witness' // a witness leader serves nobody; it only hands leadership to a data member
  | 'uncommittedLimit' // config.maxUncommittedSizeBytes reached
  | 'confChangePending' // thesis §4.1: one membership change at a time
  | 'noCommitInTerm' // thesis §4.1 (raft-dev fix): leader must first commit an entry of its term
  | 'removed'; // the leader is no longer a voter in its own configuration

/** The leader refused the proposal; nothing was appended, so it is safe to retry elsewhere or later. */
export class ProposalDroppedError extends RaftError {
  override name = 'ProposalDroppedError';
  constructor(readonly reason: ProposalDropReason) {
    super(`proposal dropped: ${reason}`);
  }
}

export class InvalidConfChangeError extends RaftError {
  override name = 'InvalidConfChangeError';
}

/** Storage: the requested index precedes the first retained entry (it is inside a snapshot). */
export class CompactedError extends RaftError {
  override name = 'CompactedError';
  constructor(readonly index: number) {
    super(`index ${index} is compacted`);
  }
}

/** Storage: the requested index is past the last entry. */
export class UnavailableError extends RaftError {
  override name = 'UnavailableError';
  constructor(readonly index: number) {
    super(`index ${index} is unavailable`);
  }
}

/** Storage: a snapshot is being produced; the leader retries later. */
export class SnapshotTemporarilyUnavailableError extends RaftError {
  override name = 'SnapshotTemporarilyUnavailableError';
}

/** Storage: an older snapshot than the one already held was offered. */
export class SnapshotOutOfDateError extends RaftError {
  override name = 'SnapshotOutOfDateError';
}

/** Programming error in the caller (bad config, Ready misuse). Never caught inside the core. */
export class RaftUsageError extends RaftError {
  override name = 'RaftUsageError';
}

/** An internal invariant was broken. Crash; never limp on (TigerStyle). */
export class RaftInvariantError extends RaftError {
  override name = 'RaftInvariantError';
}

/** transferLeadership() refused: the target cannot become leader. */
export class LeadershipTransferError extends RaftError {
  override name = 'LeadershipTransferError';
}
