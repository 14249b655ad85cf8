import { parseAddress, type StoreReader } from '@tandem/store';
import {
  MalformedAddressError, OutboundNotConfiguredError, RelayDeniedError, UnknownRecipientError,
} from './smtp-errors.js';

/**
 * Who may send to whom (DESIGN §7: never an open relay). A recipient in a local domain must reach
 * a user, directly or through an alias; a recipient elsewhere is refused — as relaying when the
 * client has not authenticated, and as "outbound delivery is not configured yet" when it has.
 */
export interface RecipientContext {
  reader: StoreReader;
  /** The authenticated user, when the session has one (submission). */
  authenticatedUser: string | undefined;
}

/** Returns the local users the address reaches (aliases expanded), or throws a typed error. */
export function checkRecipient(address: string, context: RecipientContext): string[] {
  // RFC 5321 §4.1.1.3: "postmaster" without a domain must be accepted; it is the postmaster of
  // the first local domain that has one.
  if (address.toLowerCase() === 'postmaster') {
    for (const domain of context.reader.listDomains()) {
      const users = context.reader.resolveRecipient(`postmaster@${domain}`);
      if (users.length > 0) return users;
    }
    throw new UnknownRecipientError(address);
  }
  let domain: string;
  try {
    domain = parseAddress(address).domain;
  } catch (err) {
    throw new MalformedAddressError(address, 'rcptTo', err instanceof Error ? err.message : String(err));
  }
  if (!context.reader.isLocalDomain(domain)) {
    if (context.authenticatedUser === undefined) throw new RelayDeniedError(address);
    throw new OutboundNotConfiguredError(address);
  }
  const users = context.reader.resolveRecipient(address);
  if (users.length === 0) throw new UnknownRecipientError(address);
  return users;
}
