/**
 * APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502), UIDPLUS APPENDUID (RFC 4315 §3),
 * APPENDLIMIT (RFC 7889: the reader refuses larger literals with [TOOBIG]), BINARY literal8
 * (RFC 3516 §4.4) and UTF8 (RFC 6855 §4).
 *
 * Each message is one message.append through the command log. MULTIAPPEND must be all or nothing
 * (RFC 3502 §6.3.11): everything that can fail is checked first (mailbox, flags, quota); if a later
 * message still fails (a concurrent change), the ones already appended are marked \Deleted and
 * expunged again by UID before the NO, so none of them stays.
 */
import { normaliseFlags } from '@tandem/store';
import type { AppendValue } from '@tandem/store';
import type { AppendCommand } from '../../wire/command-types.js';
import { authenticatedStates } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { ImapNoError } from '../imap-errors.js';
import type { Session } from '../session.js';

export const appendHandler: CommandHandler<AppendCommand> = {
  states: authenticatedStates,
  async run(session, command) {
    const user = session.requireUser();
    const name = session.mailboxName(command.mailbox);
    const { reader, nowMs } = session.server;
    const mailbox = reader.getMailbox(user, name);
    // RFC 9051 §6.3.12: a missing target gets NO [TRYCREATE] so the client can CREATE and retry.
    if (!mailbox) throw new ImapNoError('Mailbox does not exist', { code: 'TRYCREATE' });
    const messages = command.messages.map((m) => {
      if (m.utf8 && !session.utf8) throw new ImapNoError('UTF8 messages need ENABLE UTF8=ACCEPT', { code: 'CANNOT' });
      return { bytes: m.content, flags: normaliseFlags(m.flags), internalDateMs: m.internalDate?.epochMs ?? nowMs() };
    });
    const quota = reader.getUser(user)?.quotaBytes;
    const total = messages.reduce((sum, m) => sum + m.bytes.length, 0);
    if (quota !== undefined && reader.usageBytes(user) + total > quota) throw new ImapNoError('Over quota', { code: 'OVERQUOTA' });
    const uids = await appendAll(session, user, name, messages);
    return { text: 'APPEND completed', code: { code: 'APPENDUID', uidValidity: mailbox.uidValidity, uids } };
  },
};

interface Pending { bytes: Buffer; flags: string[]; internalDateMs: number }

async function appendAll(session: Session, user: string, mailbox: string, messages: readonly Pending[]): Promise<number[]> {
  // Proposed together so they share group commits; the log applies them in this order (UIDs ascend).
  const settled = await Promise.allSettled(messages.map((m) => session.propose<AppendValue>({
    type: 'message.append', user, mailbox, message: m.bytes, flags: m.flags, internalDateMs: m.internalDateMs,
  })));
  const uids: number[] = [];
  let failure: unknown = null;
  for (const result of settled) {
    if (result.status === 'fulfilled') uids.push(result.value.uid);
    else failure ??= result.reason;
  }
  if (failure !== null) {
    if (uids.length > 0) await rollBack(session, user, mailbox, uids);
    throw failure;
  }
  return uids;
}

/** Takes back the messages a failed MULTIAPPEND already added (RFC 3502 §6.3.11). */
async function rollBack(session: Session, user: string, mailbox: string, uids: number[]): Promise<void> {
  await session.propose({ type: 'message.store', user, mailbox, uids, operation: 'add', flags: ['\\Deleted'] });
  await session.propose({ type: 'message.expunge', user, mailbox, uids });
}
