/**
 * The trace fields a final-delivery SMTP server prepends (RFC 5321 §4.4): Return-Path with the
 * reverse-path, then a Received line. They are computed by the proposer, once, and travel inside
 * the delivery command, so every node stores the same bytes.
 */
export interface TraceInfo {
  /** MAIL FROM reverse-path; "" for the null sender. */
  mailFrom: string;
  /** The EHLO/HELO argument, or false when the client sent none. */
  heloName: string | false;
  remoteAddress: string;
  /** This server's name (RFC 5321 §4.4 "by" clause). */
  hostname: string;
  /** RFC 3848 protocol type: ESMTP, ESMTPS, ESMTPA, ESMTPSA. */
  protocol: string;
  queueId: string;
  /** RFC 5321 §4.4: "for" is given only with exactly one recipient, so Bcc recipients are not revealed. */
  rcptTo: string[];
  timestampMs: number;
}

export function traceHeaders(info: TraceInfo): Buffer {
  const from = `from ${sanitize(info.heloName || 'unknown')} (${addressLiteral(info.remoteAddress)})`;
  const by = `by ${info.hostname} with ${info.protocol} id ${info.queueId}`;
  const rcpt = info.rcptTo.length === 1 ? `\r\n\tfor <${sanitize(info.rcptTo[0] ?? '')}>` : '';
  return Buffer.from(
    `Return-Path: <${sanitize(info.mailFrom)}>\r\n` +
    `Received: ${from}\r\n\t${by}${rcpt};\r\n\t${rfc5322Date(info.timestampMs)}\r\n`,
    'utf8',
  );
}

/** RFC 5321 §4.1.3 address literal: [192.0.2.1] or [IPv6:2001:db8::1]. */
function addressLiteral(address: string): string {
  return address.includes(':') ? `[IPv6:${address}]` : `[${address}]`;
}

/** A header value may hold no CR, LF or other control character (RFC 5322 §2.2). */
function sanitize(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, '?');
}

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC, e.g. "Tue, 1 Jul 2003 10:52:37 +0000". */
export function rfc5322Date(timestampMs: number): string {
  const d = new Date(timestampMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}
