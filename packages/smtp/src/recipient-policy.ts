import { canonicalAddress, parseAddress, type ParsedAddress, type StoreReader } from '@tandem/store';
import {
  MalformedAddressError, OutboundNotConfiguredError, RelayDeniedError, SenderNotOwnedError, UnknownRecipientError,
} from './smtp-errors.js';

/**
 * Who may send to whom (DESIGN §7: never an open relay). A recipient in a local domain must reach
 * a user, directly or through an alias. A recipient elsewhere is queued for outbound delivery only
 * for an authenticated client and only when outbound delivery is configured; otherwise it is
 * refused — as relaying when the client has not authenticated, and as "outbound delivery is not
 * configured" when it has.
 */
export interface RecipientContext {
  reader: StoreReader;
  /** The authenticated user, when the session has one (submission). */
  authenticatedUser: string | undefined;
  /** The config has an `outbound` section (packages/config/src/outbound-config.ts). */
  outbound: boolean;
  /** The transaction's MAIL FROM ('' for <>). */
  mailFrom: string;
}

/** Where an accepted recipient's copy goes: to local users (aliases expanded), or to the outbound queue. */
export type RecipientRoute = { kind: 'local'; users: string[] } | { kind: 'remote'; address: string };

/** Routes the address, or throws a typed error (smtp-errors.ts) saying why it is refused. */
export function routeRecipient(address: string, context: RecipientContext): RecipientRoute {
  // RFC 5321 §4.1.1.3: "postmaster" without a domain must be accepted; it is the postmaster of
  // the first local domain that has one.
  if (address.toLowerCase() === 'postmaster') {
    for (const domain of context.reader.listDomains()) {
      const users = context.reader.resolveRecipient(`postmaster@${domain}`);
      if (users.length > 0) return { kind: 'local', users };
    }
    throw new UnknownRecipientError(address);
  }
  let parsed: ParsedAddress;
  try {
    parsed = parseAddress(address);
  } catch (err) {
    throw new MalformedAddressError(address, 'rcptTo', err instanceof Error ? err.message : String(err));
  }
  if (!context.reader.isLocalDomain(parsed.domain)) {
    if (context.authenticatedUser === undefined) throw new RelayDeniedError(address);
    if (!context.outbound) throw new OutboundNotConfiguredError(address);
    if (!ownsSender(context.reader, context.authenticatedUser, context.mailFrom)) throw new SenderNotOwnedError(context.mailFrom, context.authenticatedUser);
    return { kind: 'remote', address: parsed.address };
  }
  const users = context.reader.resolveRecipient(address);
  if (users.length === 0) throw new UnknownRecipientError(address);
  return { kind: 'local', users };
}

/**
 * Mail that leaves for another domain carries the company's name: an authenticated user may send it
 * only as themselves or as an exact alias that delivers to them (sales@ → alice), never as a
 * colleague, a catch-all's any-address, or the null sender (which asks for no bounce and is for
 * servers, RFC 5321 §4.5.5). Local mail is not checked: it never leaves, and internal tools often
 * send as a shared address.
 */
function ownsSender(reader: StoreReader, user: string, mailFrom: string): boolean {
  if (mailFrom === '') return false;
  let sender: string;
  try { sender = canonicalAddress(mailFrom); } catch { return false; }
  if (sender === user) return true;
  return reader.listAliases().some((a) => a.source === sender && a.target === user);
}
