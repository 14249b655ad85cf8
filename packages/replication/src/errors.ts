/**
 * Typed errors of the replication driver. A caller of RaftNode.propose() tells the three
 * outcomes apart by class (hashicorp/raft's ErrNotLeader / ErrLeadershipLost, plus a timeout):
 *  - NotLeaderError, DegradedError: nothing was proposed; safe to refuse the client (4xx / NO [UNAVAILABLE]).
 *  - LeadershipLostError and TimeoutError: the entry may still commit (outcome unknown). Never
 *    answer an SMTP 4xx for these (RFC 5321 §4.5.4.1 retries would deliver twice); rely on the
 *    dedupe key when the client retries.
 */

/** This member is not the leader; nothing was proposed. */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
  /** The id of the member believed to lead, when known (Raft §5.1: followers redirect clients). */
  constructor(readonly leaderHint: string | null) {
    super(leaderHint !== null ? `not the leader; leader is ${leaderHint}` : 'not the leader; no leader known');
  }
}

/** The entry was appended while leader, but leadership was lost before it was applied: outcome unknown. */
export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError';
  constructor(readonly index: number, readonly term: number) {
    super(`leadership lost before entry ${index} (term ${term}) was applied; outcome unknown`);
  }
}

/** The proposal did not complete in time: outcome unknown. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`proposal not applied within ${timeoutMs} ms; outcome unknown`);
  }
}

/** The node is closed or closing; nothing was proposed. */
export class NodeClosedError extends Error {
  override readonly name = 'NodeClosedError';
  constructor() { super('raft node is closed'); }
}

/**
 * DESIGN §3, policy `refuse`: the leader is degraded (another data voter is down or not keeping up),
 * so new proposals are refused before anything is proposed — safe to answer 4xx / NO.
 */
export class DegradedError extends Error {
  override readonly name = 'DegradedError';
  constructor(readonly downPeers: string[]) {
    super(`degraded (data node ${downPeers.join(', ') || '?'} down) and the policy is "refuse"; nothing was proposed`);
  }
}

/** A proposal was refused before it entered the log (too large, too many pending, witness member). */
export class ProposalRejectedError extends Error {
  override readonly name = 'ProposalRejectedError';
  constructor(reason: string) { super(`proposal rejected: ${reason}`); }
}

/**
 * Durable state on disk is damaged in a way that is not a torn tail (a bad record in the middle of
 * the log, a gap between segments, an unreadable snapshot). Never repaired silently: an operator
 * must look (TigerBeetle: crash, never limp on).
 */
export class CorruptionError extends Error {
  override readonly name = 'CorruptionError';
  constructor(readonly path: string, readonly offsetBytes: number, detail: string) {
    super(`corrupt data in ${path} at byte ${offsetBytes}: ${detail}`);
  }
}

/**
 * An fsync (or a write that precedes one) failed. After a failed fsync the kernel may have dropped
 * the dirty pages and the next fsync can report success ("fsyncgate", PostgreSQL 2018), so the only
 * safe reaction is to stop and recover from what is known durable. A store that raised it refuses
 * every later call.
 */
export class FatalStorageError extends Error {
  override readonly name = 'FatalStorageError';
  constructor(readonly operation: string, readonly path: string, readonly causeError: unknown) {
    super(`fatal storage error during ${operation} on ${path}: ${causeError instanceof Error ? causeError.message : String(causeError)}`);
  }
}

/** A transport peer failed authentication (wrong cluster secret, unknown member id, bad frame MAC). */
export class AuthenticationError extends Error {
  override readonly name: string = 'AuthenticationError';
  constructor(detail: string) { super(`cluster authentication failed: ${detail}`); }
}

/**
 * The peer knows the cluster secret but protects its frames differently (cluster.linkProtection is
 * not the same on every member): the handshake stops rather than exchange frames neither side can
 * open. `peerProtection` is what the peer announced (the client side checked it against the peer's
 * proof first; the server side reports the client's unproven hello).
 */
export class LinkProtectionMismatchError extends AuthenticationError {
  override readonly name = 'LinkProtectionMismatchError';
  constructor(readonly peerId: string, readonly localProtection: string, readonly peerProtection: string) {
    super(`link protection mismatch: this member ${verbOf(localProtection)}, member ${peerId} ${verbOf(peerProtection)} `
      + '(cluster.linkProtection must be the same on every member)');
  }
}

function verbOf(protection: string): string {
  return protection === 'encrypt' ? 'encrypts' : protection === 'authenticate' ? 'only authenticates' : `uses unknown protection ${JSON.stringify(protection)}`;
}

/** A wire frame or message that cannot be decoded (after authentication: a bug or version skew). */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
  constructor(detail: string) { super(`bad wire format: ${detail}`); }
}

/**
 * The state machine has applied entries this member's Raft log never had (a data dir holding a
 * store from elsewhere: a single node's, or a restored backup's, beside new or other Raft state).
 * The log would go on at indexes the store takes as applied, and skip them: writes acknowledged
 * and never made. So the member does not start. (A store applies only committed entries, which
 * the log or its snapshot always covers, so this never happens to a member's own data.)
 */
export class StateMachineAheadOfLogError extends Error {
  override readonly name = 'StateMachineAheadOfLogError';
  constructor(readonly raftDir: string, readonly appliedIndex: number, readonly lastIndex: number) {
    super(`the store has applied up to index ${appliedIndex} but the Raft log in ${raftDir} ends at ${lastIndex}: a cluster member cannot run a store that already holds other mail. Run this data dir as a single node (a config without "cluster"), or give the member an empty data dir and it catches up from the others`);
  }
}
