import type { CommandLog, DeliverValue, MessageDeliver, MessageHold, MessageSend, StoreReader } from '@tandem/store';
import { matchingRule } from '@tandem/review';
import type { RecipientRoute } from './recipient-policy.js';
import { dedupeKey } from './dedupe-key.js';
import { newQueueId } from './queue-id.js';
import { DeliveryRefusedError, UnknownRecipientError } from './smtp-errors.js';
import { traceHeaders, type TraceInfo } from './trace-headers.js';

/**
 * Turns one received message into one `message.deliver` command and proposes it. Resolves with the
 * queue id only once the command is durable and applied (DESIGN §3: the 250 follows the fsync).
 * A transaction seen before (same dedupe key) resolves with the first delivery's queue id and
 * stores nothing new.
 */
export interface DeliveryRequest {
  mailFrom: string;
  rcptTo: string[];
  /** Bytes as received, without trace headers. */
  raw: Buffer;
  /** dedupeKey(envelope, raw), when the caller has it already (the sessions' thread computes it). */
  dedupeKey?: string;
  trace: Omit<TraceInfo, 'mailFrom' | 'rcptTo' | 'queueId' | 'timestampMs'>;
}

export interface DeliveryDeps {
  reader: StoreReader;
  commandLog: CommandLog;
  nowMs(): number;
  /** recipient-policy.ts's routeRecipient for this session. */
  routeRecipient(address: string): RecipientRoute;
  /** The session's AUTH user: with the recipients, how the message travels for review rules. */
  authenticatedUser: string | undefined;
}

export interface DeliveryOutcome {
  queueId: string;
  duplicate: boolean;
  /** The review rule that held it (delivered once a reviewer approves). */
  held?: string;
  /** RCPT addresses accepted earlier that reach nobody any more (removed since); they got nothing. */
  vanished: string[];
}

export async function deliverMessage(request: DeliveryRequest, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const envelope = { mailFrom: request.mailFrom, rcptTo: request.rcptTo };
  const key = request.dedupeKey ?? dedupeKey(envelope, request.raw);
  // A retry of a transaction that already committed: answer from the applied state, propose nothing.
  const earlier = deps.reader.findDelivery(key);
  if (earlier) return { queueId: earlier.queueId, duplicate: true, vanished: [] };

  const { users, remote, vanished } = resolveAll(request.rcptTo, deps);
  const queueId = newQueueId();
  const timestampMs = deps.nowMs();
  const trace = traceHeaders({ ...request.trace, mailFrom: request.mailFrom, rcptTo: request.rcptTo, queueId, timestampMs });
  const deliver: MessageDeliver = {
    type: 'message.deliver',
    timestampMs,
    dedupeKey: key,
    queueId,
    envelope,
    recipients: users.map((user) => ({ user, mailbox: 'INBOX' })),
    message: Buffer.concat([trace, request.raw], trace.length + request.raw.length),
  };
  // A review rule holds it whole (packages/review); otherwise remote recipients make it one
  // message.send, so the 250 covers the local copies and the queue entry alike.
  const direction = deps.authenticatedUser === undefined ? 'inbound' : remote.length > 0 ? 'outbound' : 'internal';
  const rule = matchingRule(deps.reader.listReviewRules(), { mailFrom: request.mailFrom, rcptTo: request.rcptTo, direction });
  const command: MessageDeliver | MessageSend | MessageHold = rule ? { ...deliver, type: 'message.hold', remote, rule: rule.name }
    : remote.length === 0 ? deliver : { ...deliver, type: 'message.send', remote };
  const result = await deps.commandLog.propose(command);
  if (!result.ok) throw new DeliveryRefusedError(result.error, result.message);
  const value = result.value as DeliverValue;
  return { queueId: value.queueId, duplicate: value.duplicate, vanished, ...(value.held !== undefined ? { held: value.held } : {}) };
}

/**
 * Recipients were checked at RCPT time; they are routed again now because users and aliases may
 * have changed since. One that no longer reaches anybody is dropped (the others still get the
 * message); when none is left the whole transaction is refused with 550 5.1.1.
 */
function resolveAll(rcptTo: readonly string[], deps: DeliveryDeps): { users: string[]; remote: string[]; vanished: string[] } {
  const users = new Set<string>();
  const remote: string[] = [];
  const vanished: string[] = [];
  for (const address of rcptTo) {
    try {
      const route = deps.routeRecipient(address);
      if (route.kind === 'local') for (const user of route.users) users.add(user);
      else if (!remote.includes(route.address)) remote.push(route.address);
    } catch {
      vanished.push(address);
    }
  }
  if (users.size === 0 && remote.length === 0) throw new UnknownRecipientError(rcptTo[0] ?? '');
  return { users: [...users].sort(), remote, vanished };
}
