import { parseAddress, type ParsedAddress, type StoreReader } from '@tandem/store';
import {
  MalformedAddressError, OutboundNotConfiguredError, RelayDeniedError, UnknownRecipientError,
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
    return { kind: 'remote', address: parsed.address };
  }
  const users = context.reader.resolveRecipient(address);
  if (users.length === 0) throw new UnknownRecipientError(address);
  return { kind: 'local', users };
}
