/**
 * The contract of a command handler (one file per command under ./commands, after go-imap's
 * imapserver). A handler validates, does its work through the session (store reads, command-log
 * writes), writes its untagged responses to `session.out`, and returns the text of the tagged OK.
 * It reports failure by throwing (imap-errors.ts); the session turns errors into replies in one
 * place (response-for-error.ts) and adds the pending mailbox updates before the tagged reply.
 */
import type { ImapCommand } from '../wire/command-types.js';
import type { ResponseCode } from '../wire/response-encoder.js';
import type { Session } from './session.js';

/** RFC 9051 §3: the states of a connection. */
export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export interface CommandResult {
  readonly text: string;
  readonly code?: ResponseCode | null;
  /** Runs after the tagged reply is on the wire (STARTTLS negotiation, LOGOUT's close). */
  readonly after?: () => Promise<void> | void;
}

export interface CommandHandler<C extends ImapCommand = ImapCommand> {
  /** States in which the command is valid (RFC 9051 §6). */
  readonly states: readonly SessionState[];
  /**
   * RFC 9051 §7.5.1: EXPUNGE must not be sent while responding to FETCH, STORE or SEARCH (by
   * sequence number); absent means allowed.
   */
  readonly expungesAllowed?: (command: C) => boolean;
  run(session: Session, command: C): Promise<CommandResult>;
}

export const anyState: readonly SessionState[] = ['not-authenticated', 'authenticated', 'selected'];
export const authenticatedStates: readonly SessionState[] = ['authenticated', 'selected'];
export const selectedState: readonly SessionState[] = ['selected'];
export const notAuthenticatedState: readonly SessionState[] = ['not-authenticated'];

export function ok(text: string, code: ResponseCode | null = null): CommandResult {
  return { text, code };
}
