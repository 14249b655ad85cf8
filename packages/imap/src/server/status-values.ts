/**
 * The values of STATUS (RFC 9051 §6.3.11) and LIST-STATUS (RFC 5819): MESSAGES, RECENT, UIDNEXT,
 * UIDVALIDITY, UNSEEN, DELETED, SIZE (RFC 8438), HIGHESTMODSEQ (RFC 7162 §3.1.6) and APPENDLIMIT
 * (RFC 7889 §3.2), in the order asked.
 */
import { limits } from '@tandem/config';
import type { MailboxRecord } from '@tandem/store';
import type { StatusItem } from '../wire/command-types.js';
import type { ServerContext } from './server-context.js';

const needsMessages = new Set<StatusItem>(['RECENT', 'UNSEEN', 'DELETED', 'SIZE']);

export function statusValues(server: ServerContext, user: string, mailbox: MailboxRecord, items: readonly StatusItem[]): Array<[string, number]> {
  const messages = items.some((i) => needsMessages.has(i)) ? server.reader.listMessages(user, mailbox.name) : [];
  const count = (flag: string, present: boolean): number => {
    let n = 0;
    for (const m of messages) if (m.flags.includes(flag) === present) n++;
    return n;
  };
  return items.map((item): [string, number] => {
    switch (item) {
      case 'MESSAGES': return [item, mailbox.messageCount];
      case 'RECENT': return [item, server.recent.unclaimedCount(user, mailbox.name, messages.map((m) => m.uid))];
      case 'UIDNEXT': return [item, mailbox.uidNext];
      case 'UIDVALIDITY': return [item, mailbox.uidValidity];
      case 'UNSEEN': return [item, count('\\Seen', false)];
      case 'DELETED': return [item, count('\\Deleted', true)];
      case 'SIZE': return [item, messages.reduce((sum, m) => sum + m.sizeBytes, 0)];
      case 'HIGHESTMODSEQ': return [item, mailbox.highestModSeq];
      case 'APPENDLIMIT': return [item, limits.imapLiteralBytesMax];
    }
  });
}
