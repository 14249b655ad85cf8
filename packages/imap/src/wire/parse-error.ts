/**
 * The one error the wire layer throws for bad client input (RFC 9051 §7.1.3: BAD, "the command is
 * unknown or has a syntax error"). The session answers it in one place:
 *   `${tag ?? '*'} ${status} [${code}] ${reason}` (code only when set).
 * `status` is NO only where an RFC demands it for a well-formed command the server refuses at parse
 * time (BADCHARSET, RFC 9051 §6.4.4; TOOBIG for an APPEND literal, RFC 7889 §4).
 */
export type ParseErrorStatus = 'BAD' | 'NO';

export class ImapParseError extends Error {
  override readonly name = 'ImapParseError';

  constructor(
    /** Human-readable reason, sent after the status (and tests compare it exactly). */
    readonly reason: string,
    /** The command's tag when it could be read; null means an untagged "* BAD". */
    readonly tag: string | null = null,
    /** Response code (RFC 9051 §7.1), e.g. "TOOBIG", "BADCHARSET", "CLIENTBUG". */
    readonly code: string | null = null,
    readonly status: ParseErrorStatus = 'BAD',
    /** The connection cannot be resynchronised: answer, then close it (BYE). */
    readonly fatal = false,
  ) {
    super(tag === null ? reason : `${tag}: ${reason}`);
  }

  /** The same error attributed to a command whose tag is now known. */
  withTag(tag: string): ImapParseError {
    return this.tag !== null ? this : new ImapParseError(this.reason, tag, this.code, this.status, this.fatal);
  }
}

/** A client token made safe to echo in a reason: printable ASCII, at most 40 characters. */
export function printable(text: string): string {
  const clean = text.replace(/[^\x21-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}...` : clean;
}
