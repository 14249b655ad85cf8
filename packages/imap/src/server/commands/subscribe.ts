/**
 * SUBSCRIBE and UNSUBSCRIBE (RFC 9051 §6.3.7, §6.3.8). A name may be subscribed whether or not the
 * mailbox exists (§6.3.7), and unsubscribing a name that is not subscribed succeeds.
 */
import type { MailboxCommand } from '../../wire/command-types.js';
import { authenticatedStates, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';

export const subscribeHandler: CommandHandler<MailboxCommand> = {
  states: authenticatedStates,
  async run(session, command) {
    const user = session.requireUser();
    const name = session.mailboxName(command.mailbox);
    const subscribed = command.name === 'SUBSCRIBE';
    await session.propose({ type: 'mailbox.subscribe', user, mailbox: name, subscribed });
    return ok(`${command.name} completed`);
  },
};
