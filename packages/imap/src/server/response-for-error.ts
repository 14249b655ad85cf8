/**
 * The one place where an error becomes an IMAP reply (STYLE.md "Errors"; Dovecot's error taxonomy
 * mapped once). Three kinds:
 *  - syntax and state errors → tagged BAD with the reason (RFC 9051 §7.1.3);
 *  - user-facing failures → tagged NO with a response code (RFC 9051 §7.1, RFC 5530);
 *  - everything else → NO [SERVERBUG], and the caller logs it with the session id.
 * A few errors end the session with an untagged BYE (RFC 9051 §7.1.5) instead.
 */
import {
  InvalidFlagError, InvalidMailboxNameError, LogClosedError, NotLeaderError, OutcomeUnknownError,
  ProposalQueueFullError,
} from '@tandem/store';
import type { StoreErrorCode } from '@tandem/store';
import { ImapParseError } from '../wire/parse-error.js';
import type { ResponseCode, ResponseStatus, SimpleResponseCode } from '../wire/response-encoder.js';
import { UnknownTransferEncodingError } from '../mime/transfer-decoding.js';
import { ImapBadError, ImapNoError, SessionEndError, StoreCommandError } from './imap-errors.js';

export type ErrorReply =
  | {
    readonly kind: 'tagged';
    readonly status: Exclude<ResponseStatus, 'OK'>;
    readonly text: string;
    readonly code: ResponseCode | string | null;
    /** Not the client's fault: log it with the session id. */
    readonly unexpected: boolean;
  }
  /** Untagged BYE, then the connection is closed. */
  | { readonly kind: 'bye'; readonly text: string; readonly code: ResponseCode | null; readonly unexpected: boolean };

// Dovecot-style taxonomy (packages/store apply-result.ts) → RFC 5530 response codes.
const storeCodes: Record<StoreErrorCode, SimpleResponseCode> = {
  NOTFOUND: 'NONEXISTENT',
  EXISTS: 'ALREADYEXISTS',
  NOQUOTA: 'OVERQUOTA',
  NOPERM: 'NOPERM',
  INVALID: 'CANNOT',
  MODIFIED: 'CANNOT', // STORE answers MODIFIED itself (RFC 7162 §3.1.3 needs the numbers); never reached there
};

const no = (text: string, code: ResponseCode | string | null, unexpected = false): ErrorReply =>
  ({ kind: 'tagged', status: 'NO', text, code, unexpected });

export function replyForError(err: unknown): ErrorReply {
  if (err instanceof ImapParseError) {
    if (err.fatal) return { kind: 'bye', text: err.reason, code: null, unexpected: false };
    return { kind: 'tagged', status: err.status, text: err.reason, code: err.code, unexpected: false };
  }
  if (err instanceof ImapBadError) return { kind: 'tagged', status: 'BAD', text: err.text, code: err.code, unexpected: false };
  if (err instanceof ImapNoError) return no(err.text, err.code);
  if (err instanceof StoreCommandError) return no(err.detail, { code: storeCodes[err.code] });
  if (err instanceof InvalidMailboxNameError) return no(`Invalid mailbox name: ${err.reason}`, { code: 'CANNOT' });
  if (err instanceof InvalidFlagError) return no(capitalise(err.message), { code: 'CANNOT' });
  if (err instanceof UnknownTransferEncodingError) return no(`Cannot decode ${err.encoding}`, { code: 'UNKNOWN-CTE' });
  // Nothing was proposed: safe to say "try again" (DESIGN.md §3).
  if (err instanceof NotLeaderError || err instanceof ProposalQueueFullError || err instanceof LogClosedError) {
    return no('Server is not accepting changes right now; try again', { code: 'UNAVAILABLE' });
  }
  // The write may still commit: the client must resynchronise rather than retry blindly (DESIGN.md §3).
  if (err instanceof OutcomeUnknownError) {
    return { kind: 'bye', text: 'Outcome of the last change is unknown; reconnect and resynchronise', code: { code: 'UNAVAILABLE' }, unexpected: true };
  }
  if (err instanceof SessionEndError) return { kind: 'bye', text: err.text, code: err.code, unexpected: false };
  return no('Internal error; it has been logged', { code: 'SERVERBUG' }, true);
}

function capitalise(text: string): string {
  return text.length === 0 ? text : text.charAt(0).toUpperCase() + text.slice(1);
}
