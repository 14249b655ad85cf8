import type { IntakeLogger } from './intake-logger.js';
import { LogClosedError, NotLeaderError, OutcomeUnknownError, ProposalQueueFullError } from '@tandem/store';
import type { SmtpReply } from './smtp-reply.js';
import {
  AuthFailedError, AuthNeedsTlsError, ClientGoneError, DataLineTooLongError, DeliveryRefusedError, IntakeBusyError, IntakeClosingError, MalformedAddressError,
  MessageTooBigError, OutboundNotConfiguredError, RelayDeniedError, SenderNotOwnedError, UnknownRecipientError,
} from './smtp-errors.js';

/**
 * The one place where a failure becomes an SMTP reply (after Dovecot's error taxonomy: a
 * user-facing failure with a code, or everything else, logged with the session id and answered
 * 451 4.3.0).
 *
 * `drop` means: close the connection without any reply. That is the only safe answer when a
 * delivery was proposed and may still commit (RFC 5321 §4.2.5 / §6.1: after a 4xx the client
 * retries, and a message that commits anyway would then be delivered twice; after a 5xx it would
 * bounce a message we have). The dedupe key makes the client's retry exactly-once.
 */
export type ReplyDecision = { kind: 'reply'; reply: SmtpReply } | { kind: 'drop'; reason: string };

/**
 * A failure already turned into a decision elsewhere: the sessions' thread receives its answers from
 * the store's thread as decisions (intake-thread.ts), made there by toSmtpReply with the real error.
 */
export class DecidedReplyError extends Error {
  override readonly name = 'DecidedReplyError';
  constructor(readonly decision: ReplyDecision) {
    super(decision.kind === 'reply' ? `${decision.reply.code} ${decision.reply.enhancedCode} ${decision.reply.text}` : decision.reason);
  }
}

export interface ReplyContext {
  sessionId: string;
  logger: IntakeLogger;
}

function reply(code: number, enhancedCode: string, text: string): ReplyDecision {
  return { kind: 'reply', reply: { code, enhancedCode, text } };
}

export function toSmtpReply(err: unknown, context: ReplyContext): ReplyDecision {
  if (err instanceof DecidedReplyError) return err.decision;
  // RFC 5321 §3.3 / RFC 3463 §3.2: X.1.1 bad destination mailbox address.
  if (err instanceof UnknownRecipientError) return reply(550, '5.1.1', `<${err.address}>: no such user here`);
  // RFC 4954 §6: 535 5.7.8 authentication credentials invalid; 538 5.7.11 encryption required.
  if (err instanceof AuthFailedError) return reply(535, '5.7.8', 'authentication credentials invalid');
  if (err instanceof AuthNeedsTlsError) return reply(538, '5.7.11', 'encryption required for AUTH; use STARTTLS');
  // RFC 5321 §4.2.2 501 syntax error in parameters; RFC 3463 §3.2: X.1.3 bad destination / X.1.7 bad sender syntax.
  if (err instanceof MalformedAddressError) {
    return reply(501, err.role === 'rcptTo' ? '5.1.3' : '5.1.7', `<${err.address}>: ${err.reason}`);
  }
  // RFC 5321 §3.6.1 (relaying needs authorisation) / RFC 3463 §3.8: X.7.1 delivery not authorized.
  if (err instanceof RelayDeniedError) return reply(554, '5.7.1', `<${err.address}>: relay access denied`);
  // Postfix's reject_sender_login_mismatch gives the same: 553 5.7.1 (RFC 5321 §4.2.3 "mailbox name not allowed").
  if (err instanceof SenderNotOwnedError) {
    return reply(553, '5.7.1', `<${err.sender}>: sender address rejected: not owned by user ${err.user}; mail to other domains must be sent from your own address or one of your aliases`);
  }
  if (err instanceof OutboundNotConfiguredError) {
    return reply(550, '5.7.1', `<${err.address}>: outbound delivery is not configured on this server (the admin adds an "outbound" section to its config); it accepts mail for its own domains only`);
  }
  // RFC 1870 §6.3 (552 for a message over the declared maximum) / RFC 3463 §3.4: X.3.4.
  if (err instanceof MessageTooBigError) return reply(552, '5.3.4', `message exceeds fixed maximum message size of ${err.sizeBytesMax} bytes`);
  // RFC 5321 §4.5.3.1.6 limits a text line to 1000 octets; we take up to lineBytesMax, not more.
  if (err instanceof DataLineTooLongError) return reply(554, '5.6.0', `a line of the message is longer than ${err.lineBytesMax} bytes; nothing was kept`);
  if (err instanceof ClientGoneError) return { kind: 'drop', reason: err.message };
  // RFC 5321 §3.8: 421 when the service is shutting down; the client retries elsewhere or later.
  if (err instanceof IntakeClosingError || err instanceof LogClosedError) return reply(421, '4.3.2', 'shutting down; try again later');
  // Nothing was proposed, so a 4xx is safe (DESIGN §3).
  if (err instanceof NotLeaderError) return reply(451, '4.3.0', 'this node cannot accept mail right now; try again later');
  // limits.smtpBufferedBytesMax; RFC 3463 §3.4: X.3.1 mail system full. Nothing was kept.
  if (err instanceof IntakeBusyError) return reply(451, '4.3.1', 'too much mail in transit; try again later');
  // limits.proposalsPendingMax: nothing was proposed either.
  if (err instanceof ProposalQueueFullError) return reply(451, '4.3.0', 'too busy; try again later');
  if (err instanceof OutcomeUnknownError) {
    context.logger.warn({ session: context.sessionId, err: err.message }, 'delivery outcome unknown; closing the connection without a reply');
    return { kind: 'drop', reason: err.message };
  }
  if (err instanceof DeliveryRefusedError) {
    // RFC 3463 §3.3: X.2.2 mailbox full.
    if (err.code === 'NOQUOTA') return reply(552, '5.2.2', 'mailbox full');
    if (err.code === 'NOTFOUND') return reply(550, '5.1.1', 'recipient no longer exists');
  }
  context.logger.error({ session: context.sessionId, err }, 'unexpected error in SMTP session');
  return reply(451, '4.3.0', `local error in processing; try again later (session ${context.sessionId})`);
}
