/**
 * Every limit of the server, declared in one place (TigerBeetle: "put a limit on everything").
 * Each entry says what happens when it is reached. Units come last in the names.
 */
export const limits = {
  /** SMTP: largest message accepted; advertised in EHLO SIZE (RFC 1870). Over it: 552 5.3.4, nothing kept. */
  messageSizeBytesMax: 50 * 1024 * 1024,
  /** SMTP: recipients per transaction (RFC 5321 §4.5.3.1.8 requires at least 100). Over it: 452 4.5.3. */
  smtpRecipientsMax: 100,
  /** SMTP: longest command line (RFC 5321 §4.5.3.1.4 allows 512 octets, we allow some slack). Over it: 500 5.5.2. */
  smtpCommandLineBytesMax: 2048,
  /** SMTP: a text line inside DATA (RFC 5321 §4.5.3.1.6 says 1000 incl. CRLF); longer lines are accepted up to this, then 552/554. */
  smtpDataLineBytesMax: 1024 * 1024,
  /** SMTP: simultaneous sessions per listener. Over it: 421 4.7.0. */
  smtpSessionsMax: 1000,
  /** AUTH: failures from one client address before each further attempt is delayed. */
  authFailuresBeforeDelay: 3,
  /** AUTH: the delay per failure beyond the free ones, capped at authDelayMsMax. */
  authDelayMsPerFailure: 1000,
  authDelayMsMax: 10_000,
  /** AUTH: failures are forgotten after this long without one. */
  authFailureWindowMs: 15 * 60 * 1000,
  /** Dedupe keys are kept this long (RFC 5321 §4.5.4.1: retries go on for 4-5 days). */
  dedupeKeyRetentionMs: 7 * 24 * 3600 * 1000,
  /** Command log: proposals waiting for the next group commit. Over it: 451 4.3.0 / NO [UNAVAILABLE]. */
  proposalsPendingMax: 10_000,
  /** Admin API: largest request body. */
  adminRequestBytesMax: 1024 * 1024,
  /** Mailbox name length in bytes (UTF-8) and hierarchy depth. */
  mailboxNameBytesMax: 255,
  mailboxDepthMax: 16,
  /** Address length (RFC 5321 §4.5.3.1.3 path: 256 octets). */
  addressBytesMax: 254,
} as const;

export type Limits = typeof limits;
