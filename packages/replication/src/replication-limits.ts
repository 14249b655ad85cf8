/**
 * Limits of the replication driver, each with what happens when it is reached
 * (TigerBeetle: "put a limit on everything"). Kept here because this package may only depend on
 * @tandem/raft; the lead may move them into packages/config/src/limits.ts.
 */
export const replicationLimits = {
  /** Log segment size; the active segment is closed (fsynced) and a new one started past it. */
  segmentBytesMax: 64 * 1024 * 1024,
  /** Largest log record payload (one entry: a 50 MiB mail plus envelope). Over it: the append is refused. */
  recordBytesMax: 64 * 1024 * 1024,
  /** Recently appended entries kept in memory for followers' reads; oldest evicted past it. */
  entryCacheBytesMax: 16 * 1024 * 1024,
  /** Largest transport frame (after the length prefix). Over it: the connection is closed as a protocol error. */
  frameBytesMax: 72 * 1024 * 1024,
  /** Bytes queued or in the socket per peer link. Over it: the message is dropped and the peer reported unreachable. */
  peerInflightBytesMax: 32 * 1024 * 1024,
  /** Handshake must finish within this; otherwise the connection is closed. */
  handshakeTimeoutMs: 2_000,
  /** Snapshot stream chunk size. */
  snapshotChunkBytes: 1024 * 1024,
  /** Snapshot chunks sent but not yet acknowledged (bounds memory of a transfer). */
  snapshotChunksInflightMax: 4,
  /** Proposals waiting for their entry to apply. Over it: ProposalRejectedError, nothing proposed. */
  proposalsPendingMax: 10_000,
} as const;
