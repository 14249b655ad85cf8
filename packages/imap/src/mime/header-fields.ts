/**
 * Header values as SEARCH and SORT see them: decoded to text (RFC 2047, RFC 6532), addresses
 * parsed, the sent date read. SEARCH matches a header key against every field of that name
 * (RFC 9051 §6.4.4); SORT uses the first one (RFC 5256 §3).
 */
import { parseAddressList } from './address-list.js';
import type { MailAddress } from './address-list.js';
import { baseSubject } from './base-subject.js';
import { decodeHeaderText } from './encoded-words.js';
import { fieldNameIs, fieldRawValue, fieldValue, findField } from './header-block.js';
import type { HeaderBlock } from './header-block.js';
import { parseMessageDate } from './message-date.js';
import type { MessageDate } from './message-date.js';

/** Decoded text of every field with this name (lower-case), in order. */
export function decodedHeaderValues(buf: Buffer, header: HeaderBlock, lowerName: string): string[] {
  const out: string[] = [];
  for (const field of header.fields) {
    if (fieldNameIs(buf, field, lowerName)) out.push(decodeHeaderText(fieldValue(buf, field)));
  }
  return out;
}

/** Decoded text of the first field with this name, or null. */
export function decodedHeaderValue(buf: Buffer, header: HeaderBlock, lowerName: string): string | null {
  const field = findField(buf, header, lowerName);
  return field ? decodeHeaderText(fieldValue(buf, field)) : null;
}

/** Addresses of every field with this name (e.g. all "To" fields), in order. */
export function headerAddresses(buf: Buffer, header: HeaderBlock, lowerName: string): MailAddress[] {
  const out: MailAddress[] = [];
  for (const field of header.fields) {
    if (fieldNameIs(buf, field, lowerName)) out.push(...parseAddressList(fieldRawValue(buf, field)));
  }
  return out;
}

/** The sent date (first Date field), or null when missing or unreadable. */
export function sentDate(buf: Buffer, header: HeaderBlock): MessageDate | null {
  const field = findField(buf, header, 'date');
  return field ? parseMessageDate(fieldValue(buf, field)) : null;
}

/** The text a SEARCH FROM/TO/CC/BCC key is matched against: every address written out. */
export function addressSearchText(addresses: readonly MailAddress[]): string {
  const parts: string[] = [];
  for (const a of addresses) {
    if (a.host === null) {
      if (a.mailbox !== null) parts.push(decodeHeaderText(a.mailbox)); // group name
      continue;
    }
    const name = a.name ? decodeHeaderText(a.name) + ' ' : '';
    parts.push(`${name}<${decodeHeaderText(a.mailbox ?? '')}@${decodeHeaderText(a.host)}>`);
  }
  return parts.join(', ');
}

function firstMailbox(addresses: readonly MailAddress[]): MailAddress | undefined {
  return addresses.find((a) => a.host !== null);
}

/** RFC 5256 §3 SORT FROM/TO/CC: the addr-mailbox of the first address, "" when there is none. */
export function sortAddressKey(addresses: readonly MailAddress[]): string {
  const first = firstMailbox(addresses);
  return first?.mailbox ? decodeHeaderText(first.mailbox).toLowerCase() : '';
}

/**
 * RFC 5957 §2 DISPLAYFROM/DISPLAYTO: the decoded display name of the first address, or its
 * addr-spec when it has none.
 */
export function displayAddressKey(addresses: readonly MailAddress[]): string {
  const first = firstMailbox(addresses);
  if (!first) return '';
  if (first.name) return decodeHeaderText(first.name).toLowerCase();
  return `${decodeHeaderText(first.mailbox ?? '')}@${decodeHeaderText(first.host ?? '')}`.toLowerCase();
}

/** RFC 5256 §3 SORT SUBJECT key: the base subject, compared case-insensitively. */
export function sortSubjectKey(buf: Buffer, header: HeaderBlock): string {
  return baseSubject(decodedHeaderValue(buf, header, 'subject') ?? '').baseSubject.toLowerCase();
}
