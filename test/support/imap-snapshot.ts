/**
 * What an IMAP client sees of a whole account: every mailbox (by its hierarchy path, whatever the
 * server's delimiter), its UIDVALIDITY, and each message's UID, flags and bytes. Tests compare two
 * servers (or one server before and after) with it.
 */
import type { ImapFlow } from 'imapflow';

export interface MailboxView { path: string[]; uidValidity: string; messages: Array<{ uid: number; flags: string[]; bytes: string }> }

/** Every mailbox with its messages, as an IMAP client sees them (\Recent left out: it is per session). */
export async function imapSnapshot(client: ImapFlow): Promise<MailboxView[]> {
  const views: MailboxView[] = [];
  for (const entry of (await client.list()).sort((a, b) => a.path.localeCompare(b.path))) {
    const mailbox = await client.mailboxOpen(entry.path, { readOnly: true });
    const messages: MailboxView['messages'] = [];
    if (mailbox.exists > 0) {
      for await (const m of client.fetch('1:*', { uid: true, flags: true, source: true })) {
        messages.push({ uid: m.uid, flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(), bytes: m.source!.toString('latin1') });
      }
    }
    views.push({ path: entry.path.split(entry.delimiter), uidValidity: String(mailbox.uidValidity), messages });
  }
  return views.sort((a, b) => a.path.join('\0').localeCompare(b.path.join('\0')));
}
