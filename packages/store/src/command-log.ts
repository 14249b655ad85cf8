import type { Command } from './command.js';
import type { ApplyResult } from './apply-result.js';

/**
 * The command log seam. Every writer (SMTP, IMAP, the admin API) goes through propose(); nothing
 * writes the store directly.
 *
 * Contract: propose() resolves only after the command is durable (fsync; on a quorum once this is
 * Raft) AND applied to the local store, with apply()'s result. It rejects with a typed error from
 * ./errors.ts:
 *  - NotLeaderError: nothing was proposed; safe to answer 4xx / NO [UNAVAILABLE].
 *  - OutcomeUnknownError (e.g. leadership lost or timeout after proposing): the command may still
 *    commit. Never answer 4xx to SMTP for this (RFC 5321 forbids delivering after a 4xx): keep the
 *    client waiting or drop the connection; the dedupe key makes the retry exactly-once.
 *  - Command-level failures (a rule the state forbids, e.g. mailbox exists) are NOT rejections:
 *    they come back as `{ ok: false, error }` in the ApplyResult, identically on every node.
 */
export interface CommandLog {
  propose(command: Command): Promise<ApplyResult>;
  /** Stops accepting proposals, waits for in-flight ones, syncs and closes files. */
  close(): Promise<void>;
}
