/**
 * The names a user subscribed to (RFC 9051 §6.3.7): from the store's subscription list when the
 * reader has one (it includes names whose mailbox is gone), else the existing subscribed mailboxes.
 */
import type { MailboxRecord } from '@tandem/store';
import type { ImapStoreReader } from './server-context.js';

export function subscribedNames(reader: ImapStoreReader, user: string, records: readonly MailboxRecord[]): Set<string> {
  if (reader.listSubscriptions) return new Set(reader.listSubscriptions(user));
  return new Set(records.filter((r) => r.subscribed).map((r) => r.name));
}
