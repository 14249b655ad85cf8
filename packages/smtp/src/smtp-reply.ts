/**
 * An SMTP reply with its enhanced status code (RFC 5321 §4.2, RFC 3463, RFC 2034 §3: once
 * ENHANCEDSTATUSCODES is advertised every 2xx/4xx/5xx reply after the greeting carries one).
 */
export interface SmtpReply {
  code: number;
  /** "class.subject.detail", e.g. "5.1.1". */
  enhancedCode: string;
  text: string;
}

/**
 * The error object smtp-server turns into a reply: it reads `responseCode`, and the message is the
 * reply text. The text starts with the enhanced code; TandemSmtpServer sends such texts as they are
 * instead of deriving an enhanced code from the reply code alone (which would turn every 550 into
 * 5.1.1, a relay refusal included).
 */
export class SmtpReplyError extends Error {
  override readonly name = 'SmtpReplyError';
  readonly responseCode: number;
  constructor(readonly reply: SmtpReply) {
    super(formatReplyText(reply));
    this.responseCode = reply.code;
  }
}

export function formatReplyText(reply: SmtpReply): string {
  return `${reply.enhancedCode} ${reply.text}`;
}

/** Matches a reply text that already carries its enhanced status code (RFC 3463 §2). */
export const enhancedCodePrefix = /^[245]\.\d{1,3}\.\d{1,3} /;
