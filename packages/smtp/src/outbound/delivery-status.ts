/**
 * Delivery status notifications ("bounces"): a multipart/report (RFC 6522) with a human
 * explanation, a message/delivery-status part (RFC 3464) and the original message or its header
 * section. The caller sends it with the null reverse-path (RFC 3464 §2, RFC 5321 §4.5.5), so no
 * report is ever sent about a report.
 *
 * Invariants of composeDsn's output, checked before it returns:
 *   - it is a pure function of its input (no clock, no randomness): the caller stores the report
 *     through the replicated log, and every node must hold the same bytes;
 *   - every line ends in CRLF and is at most 998 octets (RFC 5322 §2.1.1, §2.3), even when the
 *     remote server's reply or the original message was neither;
 *   - the boundary appears nowhere in any part (RFC 2046 §5.1.1);
 *   - every part is labelled 7bit, or 8bit when it holds a byte over 127 (RFC 2045 §2.7, §2.8, §6.2).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { limits } from '@tandem/config';
import { rfc5322Date } from '../trace-headers.js';

export interface DsnRecipient {
  /** The original RCPT TO address. */
  address: string;
  /** RFC 3464 §2.3.3. 'failed' may carry a 4.x.x status: the queue lifetime ran out (4.4.7). */
  action: 'failed' | 'delayed';
  /** RFC 3463 code, e.g. '5.1.1' or '4.4.7'. */
  status: string;
  /** The remote server's reply, e.g. '550 5.1.1 <x@y>: user unknown' (RFC 3464 §2.3.6). */
  diagnostic?: string;
  /** Host name of the server that gave the reply (RFC 3464 §2.3.5). */
  remoteMta?: string;
  lastAttemptMs?: number;
}

export interface DsnInput {
  /** Our host name (RFC 3464 §2.2.2). */
  reportingMta: string;
  /** The report's From address, e.g. 'MAILER-DAEMON@mail.example.test'. */
  postmaster: string;
  /** The original envelope sender, to whom the report goes. Never the null sender. */
  to: string;
  /** Shown in the human text only: it is Tandem's, not an RFC 3464 field. */
  queueId: string;
  arrivalMs: number;
  dateMs: number;
  /** The report's Message-ID, with or without its angle brackets. */
  messageId: string;
  recipients: DsnRecipient[];
  original: Uint8Array;
}

const CRLF = '\r\n';
/** RFC 5322 §2.1.1: a line MUST be at most 998 octets without its CRLF, and SHOULD be at most 78. */
const lineOctetsMax = 998;
const lineOctetsWanted = 78;
const diagnosticPrefix = 'Diagnostic-Code: smtp; ';
/**
 * A remote reply is unbounded (multi-line replies have no total limit, RFC 5321 §4.2.1), so it is
 * cut to what fits one unfolded line after its field name: enough to tell the cause, and still
 * within 998 octets for readers that unfold before they look.
 */
const diagnosticCharsMax = lineOctetsMax - diagnosticPrefix.length;
/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets; a longer address is not one anyway. */
const addressOctetsMax = 256;
/** RFC 1035 §2.3.4: a domain name is at most 255 octets. */
const hostOctetsMax = 255;

/**
 * The RFC 3463 status of an SMTP failure reply: its enhanced code when it has one that agrees with
 * the reply code (RFC 2034 §4), else the reply code's class with ".0.0" ('550 blah' → '5.0.0').
 * Anything that is not a 4xx or 5xx reply (garbage, a cut connection's partial line, a 2xx where a
 * failure was expected) gives '4.0.0': we do not know that the failure is permanent, and a
 * transient status keeps the message queued until its lifetime ends instead of losing it now.
 */
export function statusFromReply(reply: string): string {
  const firstLine = reply.split(/\r?\n/, 1)[0] ?? '';
  // RFC 5321 §4.2: the code, then a space, a hyphen (more lines follow) or the end of the line.
  const code = /^([45])\d\d(?:[ -]|$)/.exec(firstLine);
  if (!code) return '4.0.0';
  // RFC 2034 §3 (4): the enhanced code starts the text and is followed by one or more spaces.
  const enhanced = /^([245])\.(\d{1,3})\.(\d{1,3})(?: |$)/.exec(firstLine.slice(4));
  if (enhanced && enhanced[1] === code[1]) return `${enhanced[1]}.${Number(enhanced[2])}.${Number(enhanced[3])}`;
  return `${code[1]}.0.0`;
}

export function composeDsn(input: DsnInput): Buffer {
  assert.ok(input.recipients.length > 0, 'a delivery status notification needs at least one recipient');
  assert.ok(input.to !== '', 'no delivery status notification goes to the null sender (RFC 3464 §2)');
  for (const recipient of input.recipients) assertStatus(recipient);

  const attached = attachedOriginal(input.original);
  const parts = [
    textPart(humanText(input, attached)),
    asciiPart('message/delivery-status', 'Delivery report', deliveryStatus(input)),
    originalPart(attached),
  ];
  const boundary = boundaryFor(input.messageId, parts.map((part) => part.bytes));
  const eightBit = parts.some((part) => part.eightBit);
  const anyFailed = input.recipients.some((recipient) => recipient.action === 'failed');

  const header = [
    `From: Mail Delivery System <${headerSafe(input.postmaster, addressOctetsMax)}>`,
    `To: <${headerSafe(input.to, addressOctetsMax)}>`,
    `Subject: ${anyFailed ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'}`,
    `Date: ${rfc5322Date(input.dateMs)}`,
    `Message-ID: <${headerSafe(input.messageId.replace(/^<|>$/g, ''), lineOctetsMax - 14)}>`,
    'Auto-Submitted: auto-replied', // RFC 3834 §5: so responders do not answer it
    'MIME-Version: 1.0',
    // RFC 6522 §3: report-type names the second part's type.
    `Content-Type: multipart/report; report-type=delivery-status;${CRLF}\tboundary="${boundary}"`,
    // RFC 2045 §6.4: a multipart is 7bit or 8bit as its parts are.
    `Content-Transfer-Encoding: ${eightBit ? '8bit' : '7bit'}`,
  ].join(CRLF);

  const chunks: Buffer[] = [Buffer.from(`${header}${CRLF}${CRLF}This is a MIME-encapsulated message.${CRLF}`)];
  for (const part of parts) {
    chunks.push(Buffer.from(`${CRLF}--${boundary}${CRLF}`), part.bytes);
  }
  chunks.push(Buffer.from(`${CRLF}--${boundary}--${CRLF}`));
  const report = Buffer.concat(chunks);
  assertLines(report);
  return report;
}

/** The original as it will be attached: whole, or only its header section, and why. */
interface AttachedOriginal {
  whole: boolean;
  bytes: Buffer;
  /** Why only the header section is attached, for the human text. */
  reason?: string;
}

/**
 * RFC 6522 §3: the third part is the whole message (message/rfc822) or its header section
 * (text/rfc822-headers). The whole message goes when it is at most
 * limits.outboundDsnOriginalBytesMax and can travel as 8bit (RFC 2045 §2.8: no NUL, no line over
 * 998 octets; our intake accepts longer lines). Bare CR and LF become CRLF (RFC 5322 §2.3).
 */
function attachedOriginal(original: Uint8Array): AttachedOriginal {
  const max = limits.outboundDsnOriginalBytesMax;
  if (original.length <= max) {
    const bytes = toCrlf(original);
    if (!bytes.includes(0) && longestLineOctets(bytes) <= lineOctetsMax) return { whole: true, bytes };
    return { whole: false, bytes: headerSection(bytes, true), reason: 'it has NUL bytes or lines too long to be sent whole' };
  }
  // Only the first `max` octets can hold the header section we keep, so a huge message is never copied.
  const start = toCrlf(Buffer.from(original.buffer, original.byteOffset, max));
  return { whole: false, bytes: headerSection(start, false), reason: `it is ${original.length} bytes, over the ${max}-byte limit` };
}

/**
 * The header section up to its empty line (RFC 5322 §2.1), at most outboundDsnOriginalBytesMax
 * octets and ending at a line break; NULs become "?" and lines are cut to 998 octets, so the
 * text/rfc822-headers part is valid 8bit text whatever the original held. `complete` says the
 * buffer is the whole message: with no empty line, all of it is the header section; otherwise a
 * cut last line is left out.
 */
function headerSection(bytes: Buffer, complete: boolean): Buffer {
  const max = limits.outboundDsnOriginalBytesMax;
  const blank = bytes.indexOf('\r\n\r\n');
  let end = blank >= 0 ? blank + 2 : complete ? bytes.length : lineEndBefore(bytes, bytes.length);
  if (end > max) end = lineEndBefore(bytes, max); // toCrlf may have made it longer
  const lines: Buffer[] = [];
  for (let at = 0; at < end;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    const stop = lineEnd < 0 || lineEnd > end ? end : lineEnd;
    const line = Buffer.from(bytes.subarray(at, stop));
    for (let i = 0; i < line.length; i++) if (line[i] === 0) line[i] = 0x3f;
    lines.push(cutOctets(line, lineOctetsMax), Buffer.from(CRLF));
    at = stop + 2;
  }
  return Buffer.concat(lines);
}

/** Where the last whole line that ends within the first `limit` octets ends (after its CRLF); 0 if none. */
function lineEndBefore(bytes: Buffer, limit: number): number {
  const at = bytes.lastIndexOf('\r\n', limit - 2);
  return at < 0 ? 0 : at + 2;
}

function humanText(input: DsnInput, attached: AttachedOriginal): string {
  const failed = input.recipients.filter((recipient) => recipient.action === 'failed');
  const delayed = input.recipients.filter((recipient) => recipient.action === 'delayed');
  const paragraphs: string[] = [`This is the mail delivery system at ${hostSafe(input.reportingMta)}.`];
  if (failed.length > 0) {
    paragraphs.push(wrap('Your message could not be delivered to the following recipients. The mail system has given up on them.'));
    paragraphs.push(...failed.map(recipientLines));
  }
  if (delayed.length > 0) {
    // RFC 3464 §2.3.9: what Will-Retry-Until says, for people.
    const retryUntil = rfc5322Date(input.arrivalMs + limits.outboundQueueLifetimeMs);
    paragraphs.push(wrap(`Delivery to the following recipients has been delayed. The mail system will keep trying until ${retryUntil}; you do not need to send the message again. You will be told if it still cannot be delivered by then.`));
    paragraphs.push(...delayed.map(recipientLines));
  }
  paragraphs.push(`Queue ID: ${headerSafe(input.queueId, hostOctetsMax)}`);
  paragraphs.push(wrap(attached.whole
    ? 'The delivery report and the original message are attached.'
    : `The delivery report and the header section of the original message are attached; the whole message is not, because ${attached.reason ?? ''}.`));
  return paragraphs.join(CRLF + CRLF) + CRLF;
}

function recipientLines(recipient: DsnRecipient): string {
  const lines = [`<${textSafe(recipient.address)}>: ${recipient.action}, status ${recipient.status}`];
  const diagnostic = recipient.diagnostic === undefined ? '' : diagnosticText(recipient.diagnostic);
  const said = recipient.remoteMta === undefined ? 'The remote server said:' : `${hostSafe(recipient.remoteMta)} said:`;
  if (diagnostic !== '') lines.push(wrap(`${said} ${diagnostic}`, '    '));
  return lines.join(CRLF);
}

/** RFC 3464 §2.2 per-message fields, then one block per recipient (§2.3), each after an empty line (§2.1). */
function deliveryStatus(input: DsnInput): string {
  const blocks = [[
    `Reporting-MTA: dns; ${hostSafe(input.reportingMta)}`, // §2.2.2
    `Arrival-Date: ${rfc5322Date(input.arrivalMs)}`, // §2.2.5
  ]];
  for (const recipient of input.recipients) {
    const fields = [
      `Final-Recipient: ${addressField(recipient.address)}`, // §2.3.2
      `Action: ${recipient.action}`, // §2.3.3
      `Status: ${recipient.status}`, // §2.3.4
    ];
    if (recipient.remoteMta !== undefined) fields.push(`Remote-MTA: dns; ${hostSafe(recipient.remoteMta)}`); // §2.3.5
    const diagnostic = recipient.diagnostic === undefined ? '' : diagnosticText(recipient.diagnostic);
    if (diagnostic !== '') fields.push(fold(diagnosticPrefix + diagnostic)); // §2.3.6
    if (recipient.lastAttemptMs !== undefined) fields.push(`Last-Attempt-Date: ${rfc5322Date(recipient.lastAttemptMs)}`); // §2.3.7
    if (recipient.action === 'delayed') {
      fields.push(`Will-Retry-Until: ${rfc5322Date(input.arrivalMs + limits.outboundQueueLifetimeMs)}`); // §2.3.9
    }
    blocks.push(fields);
  }
  return blocks.map((fields) => fields.join(CRLF) + CRLF).join(CRLF);
}

/**
 * RFC 3464 §2.3.2: "rfc822; addr" for an ASCII address. A UTF-8 address (RFC 6531) is written as
 * "utf-8; " with RFC 6533 §3's utf-8-addr-xtext, which message/delivery-status requires, so the
 * part stays 7bit: printable ASCII except "+", "=" and "\" as is, everything else as \x{HEX}.
 */
function addressField(address: string): string {
  const cut = cutText(address, addressOctetsMax);
  if (/^[\x21-\x7e]*$/.test(cut)) return `rfc822; ${cut}`;
  let xtext = '';
  for (const char of cut) {
    const point = char.codePointAt(0) ?? 0;
    const plain = point >= 0x21 && point <= 0x7e && char !== '+' && char !== '=' && char !== '\\';
    xtext += plain ? char : `\\x{${point.toString(16).toUpperCase()}}`;
  }
  return `utf-8; ${xtext}`;
}

/**
 * The remote reply made safe to print: its lines joined with a space (as Postfix does), every
 * control character, NUL and non-ASCII character turned into "?" (it comes from a stranger and
 * goes into a header-like field, RFC 5322 §2.2), runs of spaces squeezed, and cut to
 * diagnosticCharsMax.
 */
function diagnosticText(reply: string): string {
  const text = reply
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(/[^\x20-\x7e\t]/g, '?').replace(/[ \t]+/g, ' ').trim())
    .filter((line) => line !== '')
    .join(' ');
  return text.length <= diagnosticCharsMax ? text : `${text.slice(0, diagnosticCharsMax - 3)}...`;
}

/**
 * Folds a field at spaces so lines stay near 78 octets (RFC 5322 §2.2.3: the CRLF goes before the
 * space, so unfolding gives the text back). A word longer than a line stays whole; the field's
 * length bound keeps every line within 998 octets.
 */
function fold(field: string): string {
  return wrap(field, ' ').replace(/^ /, '');
}

/** Words joined into lines of at most lineOctetsWanted octets where they fit, each line indented. */
function wrap(text: string, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > lineOctetsWanted) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(indent + line);
  return lines.join(CRLF);
}

interface Part {
  bytes: Buffer;
  eightBit: boolean;
}

function textPart(text: string): Part {
  const eightBit = !/^[\x00-\x7f]*$/.test(text);
  const header = `Content-Type: text/plain; charset=${eightBit ? 'utf-8' : 'us-ascii'}${CRLF}` +
    `Content-Description: Notification${CRLF}Content-Transfer-Encoding: ${eightBit ? '8bit' : '7bit'}${CRLF}${CRLF}`;
  return { bytes: Buffer.from(header + text, 'utf8'), eightBit };
}

function asciiPart(type: string, description: string, body: string): Part {
  assert.ok(/^[\x00-\x7f]*$/.test(body), `${type} must be ASCII`);
  const header = `Content-Type: ${type}${CRLF}Content-Description: ${description}${CRLF}Content-Transfer-Encoding: 7bit${CRLF}${CRLF}`;
  return { bytes: Buffer.from(header + body, 'ascii'), eightBit: false };
}

/**
 * RFC 2046 §5.2.1: message/rfc822 may only be 7bit, 8bit or binary; an original with 8-bit bytes
 * (8BITMIME, RFC 6532 headers) is labelled 8bit. RFC 6522 §4 for text/rfc822-headers.
 */
function originalPart(attached: AttachedOriginal): Part {
  const eightBit = attached.bytes.some((byte) => byte > 0x7f);
  const type = attached.whole ? 'message/rfc822' : `text/rfc822-headers${eightBit ? '; charset=utf-8' : ''}`;
  const description = attached.whole ? 'Undelivered message' : 'Undelivered message headers';
  const header = `Content-Type: ${type}${CRLF}Content-Description: ${description}${CRLF}` +
    `Content-Transfer-Encoding: ${eightBit ? '8bit' : '7bit'}${CRLF}${CRLF}`;
  return { bytes: Buffer.concat([Buffer.from(header), attached.bytes]), eightBit };
}

/**
 * A boundary derived from the report's Message-ID, so it is deterministic, and checked against
 * every part (RFC 2046 §5.1.1: it must not occur in the encapsulated text). Each counter gives a
 * different candidate, and the parts cannot hold more distinct strings than they have octets, so
 * the loop ends.
 */
function boundaryFor(messageId: string, bodies: Buffer[]): string {
  for (let counter = 0; ; counter++) {
    const digest = createHash('sha256').update(`${messageId}\0${counter}`).digest('hex').slice(0, 32);
    const boundary = `=_tandem-dsn-${digest}`;
    if (!bodies.some((body) => body.includes(boundary))) return boundary;
    assert.ok(counter <= bodies.reduce((sum, body) => sum + body.length, 0), 'no free boundary');
  }
}

function assertStatus(recipient: DsnRecipient): void {
  // RFC 3463 §2: class "." subject "." detail, 1-3 digits each; 2.x.x is not a failure or delay.
  assert.match(recipient.status, /^[45]\.\d{1,3}\.\d{1,3}$/, `bad status ${JSON.stringify(recipient.status)}`);
  // RFC 3464 §2.3.3 and §2.3.4: a delay is transient by definition.
  assert.ok(recipient.action !== 'delayed' || recipient.status.startsWith('4.'), 'a delayed recipient needs a 4.x.x status');
}

function assertLines(report: Buffer): void {
  let lineStart = 0;
  for (let at = 0; at < report.length; at++) {
    const byte = report[at];
    if (byte === 0x0d) {
      assert.equal(report[at + 1], 0x0a, `bare CR at ${at}`);
      assert.ok(at - lineStart <= lineOctetsMax, `line over ${lineOctetsMax} octets at ${lineStart}`);
      lineStart = at + 2;
      at++;
    } else {
      assert.notEqual(byte, 0x0a, `bare LF at ${at}`);
    }
  }
  assert.equal(lineStart, report.length, 'the report ends with CRLF');
}

/** Bare CR and bare LF become CRLF (RFC 5322 §2.3); a buffer that needs nothing is returned as a view, not copied. */
function toCrlf(raw: Uint8Array): Buffer {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (isCrlfOnly(bytes)) return bytes;
  const out: number[] = [];
  for (let at = 0; at < bytes.length; at++) {
    const byte = bytes[at]!;
    if (byte === 0x0d) {
      out.push(0x0d, 0x0a);
      if (bytes[at + 1] === 0x0a) at++;
    } else if (byte === 0x0a) {
      out.push(0x0d, 0x0a);
    } else {
      out.push(byte);
    }
  }
  return Buffer.from(out);
}

function isCrlfOnly(bytes: Buffer): boolean {
  for (let at = 0; at < bytes.length; at++) {
    if (bytes[at] === 0x0d) {
      if (bytes[at + 1] !== 0x0a) return false;
      at++;
    } else if (bytes[at] === 0x0a) {
      return false;
    }
  }
  return true;
}

function longestLineOctets(bytes: Buffer): number {
  let longest = 0;
  for (let at = 0; at < bytes.length;) {
    const end = bytes.indexOf('\r\n', at);
    const stop = end < 0 ? bytes.length : end;
    longest = Math.max(longest, stop - at);
    at = stop + 2;
  }
  return longest;
}

/** Cuts to at most `max` octets without splitting a UTF-8 sequence. */
function cutOctets(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) return bytes;
  let end = max;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

function cutText(text: string, maxOctets: number): string {
  return cutOctets(Buffer.from(text, 'utf8'), maxOctets).toString('utf8');
}

/** Control characters become "?" (RFC 5322 §2.2: no CR or LF may break out of a field); UTF-8 stays (RFC 6532). */
function headerSafe(value: string, maxOctets: number): string {
  return cutText(value.replace(/[\u0000-\u001f\u007f]/g, '?'), maxOctets);
}

function textSafe(value: string): string {
  return headerSafe(value, addressOctetsMax);
}

/** A host name is ASCII (RFC 1035 §2.3.1; A-labels for IDNs): anything else becomes "?". */
function hostSafe(host: string): string {
  return host.replace(/[^\x21-\x7e]/g, '?').slice(0, hostOctetsMax);
}
