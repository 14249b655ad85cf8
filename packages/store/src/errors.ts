/**
 * Typed errors of the command log seam. A protocol boundary turns these into replies in one place
 * (SMTP: packages/smtp, IMAP: packages/imap). See command-log.ts for what each one allows a server
 * to answer.
 */

/** This node cannot accept writes; nothing was proposed. */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
  constructor(readonly leaderHint?: string) {
    super(leaderHint ? `not the leader; try ${leaderHint}` : 'not the leader');
  }
}

/** The command was proposed but its outcome is unknown (leadership lost, timeout, shutdown). */
export class OutcomeUnknownError extends Error {
  override readonly name = 'OutcomeUnknownError';
  constructor(reason: string) { super(`outcome unknown: ${reason}`); }
}

/** The command log is closed (shutting down); nothing was proposed. */
export class LogClosedError extends Error {
  override readonly name = 'LogClosedError';
  constructor() { super('command log is closed'); }
}

/** Too many proposals are waiting (limits.proposalsPendingMax); nothing was proposed. Answer 4xx / NO [UNAVAILABLE]. */
export class ProposalQueueFullError extends Error {
  override readonly name = 'ProposalQueueFullError';
  constructor(readonly pendingMax: number) { super(`too many proposals pending (${pendingMax}); try again later`); }
}
