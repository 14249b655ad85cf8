/**
 * A reviewer's decision on a held message (`tandem review approve | reject`). Approval is one
 * command (review.approve: delivered and queued in one step). Rejection removes the message and,
 * when its sender is one of this server's users, tells them why with a delivery status notification
 * (RFC 3464, status 5.7.1, the reviewer's reason as the diagnostic), proposed before the removal
 * with a dedupe key per held message. A sender elsewhere is not told: held inbound mail is often
 * unwanted, and a report to a forged sender is backscatter.
 */
import type { ApplyResult, CommandLog, DeliverValue, StoreReader } from '@tandem/store';
import { serverDsn, serverMessage } from './server-message.js';

export interface ReviewDecisionDeps {
  reader: StoreReader;
  commandLog: CommandLog;
  nowMs(): number;
  hostname: string;
}

export interface RejectOutcome { result: ApplyResult; senderTold: boolean }

export async function rejectHeld(queueId: string, reviewer: string, reason: string, deps: ReviewDecisionDeps): Promise<RejectOutcome> {
  const held = deps.reader.getHeld(queueId);
  let senderTold = false;
  // resolveRecipient reaches local users only: a sender elsewhere gets [].
  const users = held && held.mailFrom !== '' ? deps.reader.resolveRecipient(held.mailFrom) : [];
  if (held && users.length > 0) {
    const now = deps.nowMs();
    const message = serverDsn(deps.hostname, {
      to: held.mailFrom, queueId,
      arrivalMs: held.arrivalMs, dateMs: now, messageId: `<review-rejected.${queueId}@${deps.hostname}>`,
      recipients: held.rcptTo.map((address) => ({ address, action: 'failed' as const, status: '5.7.1', diagnostic: `550 5.7.1 not approved by review: ${reason}` })),
      original: await deps.reader.readHeld(queueId),
    });
    const told = await deps.commandLog.propose(serverMessage({ rcptTo: [held.mailFrom], users, dedupeKey: `review-rejected:${queueId}`, message, timestampMs: now }));
    senderTold = told.ok;
  }
  const result = await deps.commandLog.propose({ type: 'review.reject', timestampMs: deps.nowMs(), queueId, reviewer, reason });
  return { result, senderTold };
}

export function approveHeld(queueId: string, reviewer: string, deps: Pick<ReviewDecisionDeps, 'commandLog' | 'nowMs'>): Promise<ApplyResult<DeliverValue>> {
  return deps.commandLog.propose({ type: 'review.approve', timestampMs: deps.nowMs(), queueId, reviewer }) as Promise<ApplyResult<DeliverValue>>;
}
