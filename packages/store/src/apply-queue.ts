/**
 * apply() for the outbound queue: the entry message.send makes for its remote recipients, and the
 * commands that change it — queue.attempt (what one delivery attempt found), queue.retry and
 * queue.remove (the admin's).
 *
 * The queue is replicated state like a mailbox: its rows are in the index (queue\0<id>) and its
 * message files under `<data>/mail/.queue/new/`, named like a delivery's (so the log's redo of
 * unsynced files, redo-files.ts, rewrites them too). Whoever serves after a failover therefore
 * delivers exactly what was queued before it, and a recipient recorded as delivered is not tried
 * again. The attempts themselves (DNS, SMTP) happen outside apply(), on the serving node
 * (packages/smtp/src/outbound/); only their outcomes come through the log.
 *
 * An entry ends when no recipient is pending: its row is deleted and its file retired in the same
 * batch. Telling the sender about failures (RFC 3464) is the proposer's business: it proposes the
 * report as a message of its own before the attempt's outcome.
 */
import { limits } from '@tandem/config';
import type { MessageSend, QueueAttempt, QueueOutcome, QueueRemove, QueueRetry } from './command.js';
import type { ApplyResult, QueueAttemptValue, QueueCountValue } from './apply-result.js';
import type { ApplyContext } from './apply-context.js';
import type { QueueRecipientRow, QueueRow } from './index-rows.js';
import { keys } from './index-rows.js';
import { parseAddress } from './address.js';
import { queueFolder } from './store-paths.js';

const outcomes: ReadonlySet<string> = new Set<QueueOutcome>(['delivered', 'deferred', 'failed']);

/** A reply kept with a recipient is the remote server's text: bounded, one line. */
function keptReply(reply: string): string {
  return reply.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, limits.outboundReplyCharsMax);
}

/**
 * The remote recipients of a message.send, checked: well-formed, outside the local domains (a local
 * one belongs in `recipients`), each once, and an entry under this queue id not already there.
 */
export function checkQueueable(ctx: ApplyContext, cmd: MessageSend):
  { ok: true; addresses: string[] } | { ok: false; failure: ApplyResult } {
  const fail = (message: string): { ok: false; failure: ApplyResult } => ({ ok: false, failure: ctx.fail('INVALID', message) });
  if (!Array.isArray(cmd.remote) || cmd.remote.length === 0) return fail('message.send needs remote recipients');
  if (cmd.remote.length > limits.smtpRecipientsMax) return fail(`more than ${limits.smtpRecipientsMax} remote recipients`);
  if (typeof cmd.queueId !== 'string' || !/^[0-9A-Z]{1,32}$/.test(cmd.queueId)) return fail('bad queue id');
  if (ctx.mirror.queue.has(cmd.queueId)) return { ok: false, failure: ctx.fail('EXISTS', `queue entry ${cmd.queueId} exists`) };
  const addresses: string[] = [];
  for (const address of cmd.remote) {
    const parsed = parseAddress(address); // throws InvalidAddressError → INVALID (dispatch-command.ts)
    if (ctx.mirror.domains.has(parsed.domain)) return fail(`${address} is in a local domain`);
    if (!addresses.includes(parsed.address)) addresses.push(parsed.address);
  }
  return { ok: true, addresses };
}

/**
 * A new queue entry, due now, for a message whose file is planned under `file` (relative to the
 * queue folder): a message.send's, or an approved held message's (apply-review.ts).
 */
export function enqueue(ctx: ApplyContext, m: { queueId: string; mailFrom: string; sizeBytes: number }, addresses: readonly string[], file: string): void {
  const row: QueueRow = {
    queueId: m.queueId,
    mailFrom: m.mailFrom,
    file,
    sizeBytes: m.sizeBytes,
    arrivalMs: ctx.timestampMs,
    nextAttemptMs: ctx.timestampMs,
    attempts: 0,
    recipients: addresses.map((address) => ({ address, state: 'pending', attempts: 0 })),
  };
  ctx.put(keys.queue(m.queueId), row);
}

function removeEntry(ctx: ApplyContext, row: QueueRow): void {
  ctx.del(keys.queue(row.queueId));
  ctx.retire(`${queueFolder}/${row.file}`);
}

export function applyQueueAttempt(ctx: ApplyContext, cmd: QueueAttempt): Promise<ApplyResult> {
  const row = ctx.mirror.queue.get(cmd.queueId);
  // Removed by the admin (or finished) while the attempt was under way: nothing left to record.
  if (!row) return Promise.resolve(ctx.fail('NOTFOUND', `no queue entry ${cmd.queueId}`));
  const n = cmd.recipients?.length;
  if (!Array.isArray(cmd.recipients) || !Array.isArray(cmd.outcomes) || !Array.isArray(cmd.replies) ||
      cmd.outcomes.length !== n || cmd.replies.length !== n) {
    return Promise.resolve(ctx.fail('INVALID', 'queue.attempt: recipients, outcomes and replies must pair up'));
  }
  if (!cmd.outcomes.every((o) => outcomes.has(o))) return Promise.resolve(ctx.fail('INVALID', 'queue.attempt: unknown outcome'));
  if (!Number.isFinite(cmd.nextAttemptMs)) return Promise.resolve(ctx.fail('INVALID', 'queue.attempt: nextAttemptMs must be a number'));
  const recipients: QueueRecipientRow[] = row.recipients.map((r) => {
    const i = cmd.recipients.indexOf(r.address);
    // Only a pending recipient changes: an outcome recorded once (a delivery made) is final.
    if (i < 0 || r.state !== 'pending') return r;
    const outcome = cmd.outcomes[i]!;
    return {
      address: r.address,
      state: outcome === 'deferred' ? 'pending' : outcome,
      attempts: r.attempts + 1,
      reply: keptReply(cmd.replies[i]!),
      lastAttemptMs: ctx.timestampMs,
    };
  });
  const pending = recipients.filter((r) => r.state === 'pending').length;
  if (pending === 0) {
    removeEntry(ctx, row);
  } else {
    ctx.put(keys.queue(row.queueId), { ...row, recipients, attempts: row.attempts + 1, nextAttemptMs: cmd.nextAttemptMs });
  }
  return Promise.resolve(ctx.ok<QueueAttemptValue>({ pending, removed: pending === 0 }));
}

export function applyQueueRetry(ctx: ApplyContext, cmd: QueueRetry): Promise<ApplyResult> {
  const rows = cmd.queueId === undefined ? [...ctx.mirror.queue.values()] : [ctx.mirror.queue.get(cmd.queueId)].filter((r) => r !== undefined);
  if (cmd.queueId !== undefined && rows.length === 0) return Promise.resolve(ctx.fail('NOTFOUND', `no queue entry ${cmd.queueId}`));
  for (const row of rows) ctx.put(keys.queue(row.queueId), { ...row, nextAttemptMs: ctx.timestampMs });
  return Promise.resolve(ctx.ok<QueueCountValue>({ count: rows.length }));
}

export function applyQueueRemove(ctx: ApplyContext, cmd: QueueRemove): Promise<ApplyResult> {
  const row = ctx.mirror.queue.get(cmd.queueId);
  if (!row) return Promise.resolve(ctx.fail('NOTFOUND', `no queue entry ${cmd.queueId}`));
  removeEntry(ctx, row);
  return Promise.resolve(ctx.ok<QueueCountValue>({ count: 1 }));
}
