/**
 * LIST (RFC 9051 §6.3.9) with LIST-EXTENDED (RFC 5258: selection and return options, several
 * patterns, CHILDINFO), LIST-STATUS (RFC 5819), SPECIAL-USE (RFC 6154) and CHILDREN (RFC 3348).
 * `LIST "" ""` asks for the hierarchy delimiter (RFC 9051 §6.3.9).
 */
import { hierarchyDelimiter } from '@tandem/store';
import type { ListCommand } from '../../wire/command-types.js';
import { writeList, writeStatus } from '../../wire/response-encoder.js';
import { authenticatedStates, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { enableCondstore } from '../condstore-enabling.js';
import { listMailboxes } from '../mailbox-list.js';
import { compilePattern } from '../mailbox-pattern.js';
import { statusValues } from '../status-values.js';
import { subscribedNames } from '../subscribed-names.js';

export const listHandler: CommandHandler<ListCommand> = {
  states: authenticatedStates,
  async run(session, command) {
    const user = session.requireUser();
    const out = session.out;
    if (!command.extended && command.patterns.length === 1 && command.patterns[0] === '') {
      writeList(out, { attributes: ['\\Noselect'], delimiter: hierarchyDelimiter, mailbox: '' });
      return ok('LIST completed');
    }
    const reference = session.mailboxPattern(command.reference);
    const matchers = command.patterns.map((p) => compilePattern(reference, session.mailboxPattern(p)));
    const { reader } = session.server;
    const records = reader.listMailboxes(user);
    const status = command.returnOptions.status;
    if (status?.includes('HIGHESTMODSEQ')) enableCondstore(session);
    const entries = listMailboxes(records, subscribedNames(reader, user, records), {
      matchers, selection: command.selection, returnOptions: command.returnOptions,
      nonExistentAttribute: command.extended || session.rev2,
    });
    for (const entry of entries) {
      const name = session.wireName(entry.name);
      const extended = entry.childInfo.length > 0 ? ['CHILDINFO', entry.childInfo] : undefined;
      writeList(out, { attributes: entry.attributes, delimiter: hierarchyDelimiter, mailbox: name, ...(extended ? { extended } : {}) });
      // RFC 5819 §2: STATUS follows the LIST entry of each selectable mailbox.
      if (status && entry.record) writeStatus(out, name, statusValues(session.server, user, entry.record, status));
    }
    return ok('LIST completed');
  },
};
