import type { StoreErrorCode } from '@tandem/store';

/**
 * The typed failures of SMTP intake. Handlers throw these; toSmtpReply() (smtp-reply-for-error.ts)
 * is the one place that turns them into replies.
 */

/** A local domain, but the address reaches no user (RFC 5321 §3.3: 550 on RCPT). */
export class UnknownRecipientError extends Error {
  override readonly name = 'UnknownRecipientError';
  constructor(readonly address: string) { super(`no such user here: ${address}`); }
}

/** Unauthenticated mail for a domain that is not ours: we are never an open relay. */
export class RelayDeniedError extends Error {
  override readonly name = 'RelayDeniedError';
  constructor(readonly address: string) { super(`relay access denied: ${address}`); }
}

/** An authenticated user sends to another domain, and the config has no `outbound` section. */
export class OutboundNotConfiguredError extends Error {
  override readonly name = 'OutboundNotConfiguredError';
  constructor(readonly address: string) { super(`outbound delivery is not configured: ${address}`); }
}

/** An authenticated user sends to another domain as someone else (RFC 6409 §8.1: the submission server may check the sender). */
export class SenderNotOwnedError extends Error {
  override readonly name = 'SenderNotOwnedError';
  constructor(readonly sender: string, readonly user: string) { super(`sender address ${sender || '<>'} is not owned by user ${user}`); }
}

/** The message went over the size limit (RFC 1870 §6.3). */
export class MessageTooBigError extends Error {
  override readonly name = 'MessageTooBigError';
  constructor(readonly sizeBytesMax: number) { super(`message exceeds fixed maximum message size of ${sizeBytesMax} bytes`); }
}

/** A line of the message is longer than limits.smtpDataLineBytesMax. */
export class DataLineTooLongError extends Error {
  override readonly name = 'DataLineTooLongError';
  constructor(readonly lineBytesMax: number) { super(`a line of the message is longer than ${lineBytesMax} bytes`); }
}

/** The client went away before the final "." (nothing is kept). */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
  constructor() { super('connection closed before the message was received in full'); }
}

/** The intake is shutting down; nothing was proposed. */
export class IntakeClosingError extends Error {
  override readonly name = 'IntakeClosingError';
  constructor() { super('server shutting down'); }
}

/** apply() refused the delivery deterministically (e.g. over quota); nothing was stored. */
export class DeliveryRefusedError extends Error {
  override readonly name = 'DeliveryRefusedError';
  constructor(readonly code: StoreErrorCode, readonly detail: string) { super(`delivery refused: ${code}: ${detail}`); }
}

/** An address that smtp-server's syntax check let through but our stricter parser refuses (RFC 5321 §4.1.2). */
export class MalformedAddressError extends Error {
  override readonly name = 'MalformedAddressError';
  constructor(readonly address: string, readonly role: 'mailFrom' | 'rcptTo', readonly reason: string) {
    super(`malformed address <${address}>: ${reason}`);
  }
}

/** Too many message bytes are in memory across all sessions (limits.smtpBufferedBytesMax); nothing kept. */
export class IntakeBusyError extends Error {
  override readonly name = 'IntakeBusyError';
  constructor() { super('too much mail in transit'); }
}

/** Wrong user name or password (the two are not told apart). */
export class AuthFailedError extends Error {
  override readonly name = 'AuthFailedError';
  constructor() { super('authentication credentials invalid'); }
}

/** AUTH on a connection without TLS (smtp-server refuses it first; this is the invariant's own check). */
export class AuthNeedsTlsError extends Error {
  override readonly name = 'AuthNeedsTlsError';
  constructor() { super('encryption required for AUTH'); }
}
