/**
 * CLOSE (RFC 9051 §6.4.1): expunge the \Deleted messages silently (no EXPUNGE responses) when the
 * mailbox is read-write, then return to the authenticated state. EXAMINEd mailboxes lose nothing.
 */
import type { NoArgumentCommand } from '../../wire/command-types.js';
import { ok, selectedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';

export const closeHandler: CommandHandler<NoArgumentCommand> = {
  states: selectedState,
  expungesAllowed: () => false,
  async run(session) {
    const view = session.requireSelected();
    if (!view.readOnly) {
      await session.propose({ type: 'message.expunge', user: view.user, mailbox: view.name });
    }
    session.deselect();
    return ok('CLOSE completed');
  },
};
