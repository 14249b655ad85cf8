/**
 * RENAME (RFC 9051 §6.3.6): inferiors move along; renaming INBOX moves its messages to the new
 * mailbox and leaves INBOX empty (the store does both). A renamed mailbox gets a new UIDVALIDITY,
 * so a session that had it selected (this one: back to authenticated; others: BYE) must select it
 * again.
 */
import type { RenameCommand } from '../../wire/command-types.js';
import { writeUntaggedStatus } from '../../wire/response-encoder.js';
import { authenticatedStates, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';

export const renameHandler: CommandHandler<RenameCommand> = {
  states: authenticatedStates,
  async run(session, command) {
    const user = session.requireUser();
    const from = session.mailboxName(command.mailbox);
    const to = session.mailboxName(command.newMailbox);
    await session.propose({ type: 'mailbox.rename', user, mailbox: from, newName: to });
    if (from !== 'INBOX') session.server.recent.forget(user, from);
    const selected = session.selected;
    if (selected && from !== 'INBOX' && (selected.name === from || selected.name.startsWith(`${from}/`))) {
      session.deselect();
      writeUntaggedStatus(session.out, 'OK', 'Selected mailbox was renamed', { code: 'CLOSED' });
    }
    return ok('RENAME completed');
  },
};
