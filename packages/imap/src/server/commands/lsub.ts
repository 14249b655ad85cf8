/** LSUB (RFC 3501 §6.3.9; deprecated by RFC 9051 in favour of LIST (SUBSCRIBED), kept for IMAP4rev1 clients). */
import type { LsubCommand } from '../../wire/command-types.js';
import { writeList } from '../../wire/response-encoder.js';
import { hierarchyDelimiter } from '@tandem/store';
import { authenticatedStates, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { listSubscribed } from '../mailbox-list.js';
import { compilePattern } from '../mailbox-pattern.js';
import { subscribedNames } from '../subscribed-names.js';

export const lsubHandler: CommandHandler<LsubCommand> = {
  states: authenticatedStates,
  async run(session, command) {
    const user = session.requireUser();
    const records = session.server.reader.listMailboxes(user);
    const matcher = compilePattern(session.mailboxPattern(command.reference), session.mailboxPattern(command.pattern));
    for (const entry of listSubscribed(records, subscribedNames(session.server.reader, user, records), matcher)) {
      writeList(session.out, { attributes: entry.attributes, delimiter: hierarchyDelimiter, mailbox: session.wireName(entry.name) }, 'LSUB');
    }
    return ok('LSUB completed');
  },
};

