/** STATUS (RFC 9051 §6.3.11; SIZE RFC 8438, HIGHESTMODSEQ RFC 7162 §3.1.6, APPENDLIMIT RFC 7889). */
import type { StatusCommand } from '../../wire/command-types.js';
import { writeStatus } from '../../wire/response-encoder.js';
import { authenticatedStates, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { enableCondstore } from '../condstore-enabling.js';
import { ImapNoError } from '../imap-errors.js';
import { statusValues } from '../status-values.js';

export const statusHandler: CommandHandler<StatusCommand> = {
  states: authenticatedStates,
  async run(session, command) {
    const user = session.requireUser();
    const name = session.mailboxName(command.mailbox);
    const mailbox = session.server.reader.getMailbox(user, name);
    if (!mailbox) throw new ImapNoError('Mailbox does not exist', { code: 'NONEXISTENT' });
    // RFC 7162 §3.1: STATUS (HIGHESTMODSEQ) is a CONDSTORE-enabling command.
    if (command.items.includes('HIGHESTMODSEQ')) enableCondstore(session);
    writeStatus(session.out, session.wireName(name), statusValues(session.server, user, mailbox, command.items));
    return ok('STATUS completed');
  },
};
