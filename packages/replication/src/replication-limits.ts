import { limits } from '@tandem/config';

/**
 * Limits of the replication driver, each with what happens when it is reached (TigerBeetle: "put a
 * limit on everything"). The values live with every other limit in packages/config/src/limits.ts
 * (the `raft…` entries, documented there); this is the driver's view of them, under the names its
 * code uses. The Raft core (packages/raft) depends on nothing and keeps its own defaults; the driver
 * passes these to it (raft-node.ts).
 */
export const replicationLimits = {
  /** Log segment size; the active segment is closed (fsynced) and a new one started past it. */
  segmentBytesMax: limits.raftLogSegmentBytesMax,
  /** Largest log record payload (one entry: a 50 MiB mail plus envelope). Over it: the proposal is refused. */
  recordBytesMax: limits.raftEntryBytesMax,
  /** Recently appended entries kept in memory for followers' reads; oldest evicted past it. */
  entryCacheBytesMax: limits.raftEntryCacheBytesMax,
  /** Largest transport frame (after the length prefix). Over it: the connection is closed as a protocol error. */
  frameBytesMax: limits.raftFrameBytesMax,
  /** Bytes queued or in the socket per peer link. Over it: the message is dropped and the peer reported unreachable. */
  peerInflightBytesMax: limits.raftPeerInflightBytesMax,
  /** Handshake must finish within this; otherwise the connection is closed. */
  handshakeTimeoutMs: limits.raftHandshakeTimeoutMs,
  /** Snapshot stream chunk size. */
  snapshotChunkBytes: limits.raftSnapshotChunkBytes,
  /** Snapshot chunks sent but not yet acknowledged (bounds memory of a transfer). */
  snapshotChunksInflightMax: limits.raftSnapshotChunksInFlightMax,
  /** Proposals waiting for their entry to apply. Over it: ProposalRejectedError, nothing proposed. */
  proposalsPendingMax: limits.raftProposalsPendingMax,
  /** Entry bytes per appendEntries message (RaftConfig.maxSizePerMsgBytes). */
  messageBytesMax: limits.raftMessageBytesMax,
  /** appendEntries messages in flight per follower (RaftConfig.maxInflightMsgs). */
  inflightMessagesMax: limits.raftInflightMessagesMax,
  /** Proposed, uncommitted bytes on the leader (RaftConfig.maxUncommittedSizeBytes). Over it: proposals rejected. */
  uncommittedBytesMax: limits.raftUncommittedBytesMax,
} as const;
