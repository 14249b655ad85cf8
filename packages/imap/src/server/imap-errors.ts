/**
 * Typed errors of the IMAP command handlers. A handler throws one of these (or lets a wire, store
 * or command-log error through); response-for-error.ts turns every error into the tagged reply in
 * ONE place (STYLE.md "Errors"): syntax → BAD, a user-facing failure → NO [code], anything else →
 * logged with the session id, then NO [SERVERBUG].
 */
import type { StoreErrorCode } from '@tandem/store';
import type { ResponseCode } from '../wire/response-encoder.js';

/** A well-formed command the server refuses (RFC 9051 §7.1.2 NO), with an optional response code. */
export class ImapNoError extends Error {
  override readonly name = 'ImapNoError';
  constructor(readonly text: string, readonly code: ResponseCode | null = null) { super(text); }
}

/**
 * A command that is not valid here (RFC 9051 §7.1.3 BAD): wrong state, an invalid message
 * sequence number, an extension the client must enable first.
 */
export class ImapBadError extends Error {
  override readonly name = 'ImapBadError';
  constructor(readonly text: string, readonly code: ResponseCode | null = null) { super(text); }
}

/** A command the command log applied with `{ ok: false }` (the store's error taxonomy). */
export class StoreCommandError extends Error {
  override readonly name = 'StoreCommandError';
  constructor(readonly code: StoreErrorCode, readonly detail: string) { super(`${code}: ${detail}`); }
}

/**
 * The session must end now: the reply is an untagged BYE and the connection is closed
 * (RFC 9051 §7.1.5). Used when the outcome of a write is unknown, so the client resynchronises.
 */
export class SessionEndError extends Error {
  override readonly name = 'SessionEndError';
  constructor(readonly text: string, readonly code: ResponseCode | null = null) { super(text); }
}

/** The client closed the connection while the session waited for it (a continuation, IDLE's DONE). */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
  constructor() { super('client closed the connection'); }
}
