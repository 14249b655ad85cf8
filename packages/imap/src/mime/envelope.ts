/**
 * The ENVELOPE of a message (RFC 9051 §7.5.2, RFC 3501 §7.4.2): date, subject, from, sender,
 * reply-to, to, cc, bcc, in-reply-to, message-id, taken from the header without decoding.
 * Encoded words (RFC 2047) are left as they are: decoding them is the client's job, and 8-bit bytes
 * are passed on untouched (as literals unless the client enabled UTF8=ACCEPT).
 *
 * When a field appears more than once the first one counts (RFC 5322 §3.6 allows one).
 */
import { parseAddressList } from './address-list.js';
import type { MailAddress } from './address-list.js';
import { fieldNameIs, fieldRawValue, fieldValue } from './header-block.js';
import type { HeaderBlock, HeaderField } from './header-block.js';
import { ImapAdjacent, latin1NValue } from '../wire/imap-value.js';
import type { ImapValue } from '../wire/imap-value.js';

const envelopeFieldNames = [
  'date', 'subject', 'from', 'sender', 'reply-to', 'to', 'cc', 'bcc', 'in-reply-to', 'message-id',
] as const;

type EnvelopeFieldName = (typeof envelopeFieldNames)[number];

/** First occurrence of each envelope field, found in one pass over the header. */
export function envelopeFields(buf: Buffer, header: HeaderBlock): Partial<Record<EnvelopeFieldName, HeaderField>> {
  const found: Partial<Record<EnvelopeFieldName, HeaderField>> = {};
  let missing = envelopeFieldNames.length;
  for (const field of header.fields) {
    const len = field.nameEnd - field.start;
    if (len < 2 || len > 11) continue;
    for (const name of envelopeFieldNames) {
      if (name.length === len && found[name] === undefined && fieldNameIs(buf, field, name)) {
        found[name] = field;
        missing--;
        break;
      }
    }
    if (missing === 0) break;
  }
  return found;
}

/** The ENVELOPE as an ImapValue list of ten members. */
export function buildEnvelope(buf: Buffer, header: HeaderBlock): ImapValue[] {
  const f = envelopeFields(buf, header);
  const text = (field: HeaderField | undefined): ImapValue => (field ? latin1NValue(fieldValue(buf, field)) : null);
  const addresses = (field: HeaderField | undefined): MailAddress[] =>
    field ? parseAddressList(fieldRawValue(buf, field)) : [];
  const from = addresses(f.from);
  let sender = addresses(f.sender);
  let replyTo = addresses(f['reply-to']);
  // RFC 9051 §7.5.2: absent or empty Sender / Reply-To take the value of From.
  if (sender.length === 0) sender = from;
  if (replyTo.length === 0) replyTo = from;
  return [
    text(f.date),
    text(f.subject),
    addressListValue(from),
    addressListValue(sender),
    addressListValue(replyTo),
    addressListValue(addresses(f.to)),
    addressListValue(addresses(f.cc)),
    addressListValue(addresses(f.bcc)),
    text(f['in-reply-to']),
    text(f['message-id']),
  ];
}

/** RFC 9051 §9 env-from etc.: "(" 1*address ")" / nil — the addresses follow each other without spaces. */
export function addressListValue(list: readonly MailAddress[]): ImapValue {
  if (list.length === 0) return null;
  const addresses = list.map((a) => [latin1NValue(a.name), latin1NValue(a.adl), latin1NValue(a.mailbox), latin1NValue(a.host)]);
  return [new ImapAdjacent(addresses)];
}
