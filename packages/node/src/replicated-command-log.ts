/**
 * The command log seam (packages/store/src/command-log.ts) over Raft: propose() encodes the command,
 * proposes it through the RaftNode, and resolves with MailStore.apply()'s result once the entry is
 * committed on a quorum and applied here, and (while both data nodes are healthy) held by the other
 * data node too (the RaftNode's hot standby, DESIGN §3).
 *
 * Error contract, the reason this file exists (what an SMTP/IMAP server may answer):
 *  - nothing proposed → a typed "safe to refuse" error: NotLeaderError (also the `refuse` policy
 *    while degraded: the engine's DegradedError becomes DegradedRefusalError, a NotLeaderError), ProposalQueueFullError,
 *    LogClosedError (the replication errors NotLeader / NodeClosed map to these); ProposalRejected
 *    passes unchanged (the protocols' catch-all 4xx / NO);
 *  - proposed, outcome unknown (LeadershipLost, Timeout) → OutcomeUnknownError: never a 4xx; the
 *    client is kept waiting or dropped, and the dedupe key makes its retry exactly-once.
 * The engine checks the `refuse` policy BEFORE an entry enters the log, never after: an entry that
 * may commit is never answered with 4xx.
 */
import { limits } from '@tandem/config';
import {
  DegradedError, LeadershipLostError, NodeClosedError, NotLeaderError as RaftNotLeaderError, TimeoutError,
} from '@tandem/replication';
import {
  encodeCommand, LogClosedError, NotLeaderError, OutcomeUnknownError, ProposalQueueFullError,
  type ApplyResult, type Command, type CommandLog,
} from '@tandem/store';

/** What this needs of a RaftNode (a narrow seam so tests can stand in for it). */
export interface ApplyingProposer {
  propose(data: Uint8Array): Promise<ApplyResult>;
}

/** The `refuse` policy while degraded (one data node down): nothing was proposed. */
export class DegradedRefusalError extends NotLeaderError {
  constructor(readonly downPeers: string[]) {
    super();
    this.message = `degraded (data node ${downPeers.join(', ')} down) and the policy is "refuse"; nothing was proposed`;
  }
}

export interface ReplicatedCommandLogOptions {
  node: ApplyingProposer;
}

export interface ReplicatedLogStats {
  proposed: number;
  refusedNotLeader: number;
  refusedDegraded: number;
  outcomeUnknown: number;
  inFlight: number;
}

export class ReplicatedCommandLog implements CommandLog {
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly counters = { proposed: 0, refusedNotLeader: 0, refusedDegraded: 0, outcomeUnknown: 0 };

  constructor(private readonly options: ReplicatedCommandLogOptions) {}

  stats(): ReplicatedLogStats {
    return { ...this.counters, inFlight: this.inFlight.size };
  }

  propose(command: Command): Promise<ApplyResult> {
    if (this.closed) return Promise.reject(new LogClosedError());
    if (this.inFlight.size >= limits.proposalsPendingMax) return Promise.reject(new ProposalQueueFullError(limits.proposalsPendingMax));
    let bytes: Uint8Array;
    try {
      bytes = encodeCommand(command);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const work = this.proposeEncoded(bytes);
    this.inFlight.add(work);
    const done = (): void => { this.inFlight.delete(work); };
    work.then(done, done);
    return work;
  }

  /** Stops accepting proposals and waits until those in flight have their outcome (the node closes after). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
  }

  private async proposeEncoded(bytes: Uint8Array): Promise<ApplyResult> {
    try {
      this.counters.proposed++;
      return await this.options.node.propose(bytes);
    } catch (err) {
      throw this.translate(err);
    }
  }

  private translate(err: unknown): unknown {
    if (err instanceof RaftNotLeaderError) {
      this.counters.refusedNotLeader++;
      return new NotLeaderError(err.leaderHint ?? undefined);
    }
    if (err instanceof LeadershipLostError || err instanceof TimeoutError) {
      this.counters.outcomeUnknown++;
      return new OutcomeUnknownError(err.message);
    }
    if (err instanceof DegradedError) {
      this.counters.refusedDegraded++;
      return new DegradedRefusalError(err.downPeers);
    }
    if (err instanceof NodeClosedError) return new LogClosedError();
    // ProposalRejectedError (too large; the pending limit is checked above with the same bound) is
    // passed on: nothing entered the log, so the protocol's catch-all 4xx / NO is a safe answer.
    return err;
  }
}
