/**
 * DELETE (RFC 9051 §6.3.5): INBOX cannot be deleted (the store answers NOPERM); inferiors stay and
 * the name then lists as \NonExistent/\Noselect. Deleting the mailbox this session has selected
 * returns it to the authenticated state; other sessions with it selected are ended with BYE.
 */
import type { MailboxCommand } from '../../wire/command-types.js';
import { writeUntaggedStatus } from '../../wire/response-encoder.js';
import { authenticatedStates, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';

export const deleteHandler: CommandHandler<MailboxCommand> = {
  states: authenticatedStates,
  async run(session, command) {
    const user = session.requireUser();
    const name = session.mailboxName(command.mailbox);
    await session.propose({ type: 'mailbox.delete', user, mailbox: name });
    session.server.recent.forget(user, name);
    if (session.selected?.name === name) {
      session.deselect();
      writeUntaggedStatus(session.out, 'OK', 'Selected mailbox was deleted', { code: 'CLOSED' });
    }
    return ok('DELETE completed');
  },
};
