/**
 * EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): removes the \Deleted messages (only
 * those in the UID set for UID EXPUNGE). The EXPUNGE responses (VANISHED with QRESYNC) come from
 * the selected mailbox's pending changes before the tagged OK, together with any other session's
 * expunges; with CONDSTORE on, the OK carries the new HIGHESTMODSEQ (RFC 7162 §3.1.10).
 */
import type { ExpungeValue } from '@tandem/store';
import type { ExpungeCommand } from '../../wire/command-types.js';
import { ok, selectedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { ImapNoError } from '../imap-errors.js';

export const expungeHandler: CommandHandler<ExpungeCommand> = {
  states: selectedState,
  async run(session, command) {
    const view = session.requireSelected();
    if (view.readOnly) throw new ImapNoError('Mailbox is read-only', { code: 'READ-ONLY' });
    let uids: number[] | undefined;
    if (command.uids) {
      uids = view.resolve(command.uids, session.savedSearch).filter((t) => !t.message.expunged).map((t) => t.message.uid);
      if (uids.length === 0) return ok('UID EXPUNGE completed');
    }
    const value = await session.propose<ExpungeValue>({
      type: 'message.expunge', user: view.user, mailbox: view.name, ...(uids ? { uids } : {}),
    });
    const text = `${uids ? 'UID ' : ''}EXPUNGE completed`;
    return session.condstore ? ok(text, { code: 'HIGHESTMODSEQ', modSeq: value.highestModSeq }) : ok(text);
  },
};
