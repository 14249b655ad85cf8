/** GETQUOTAROOT (RFC 9208 §4.3): the mailbox's quota roots and their usage. */
import type { GetQuotaRootCommand } from '../../wire/command-types.js';
import { writeQuota, writeQuotaRoot } from '../../wire/response-encoder.js';
import { authenticatedStates, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { ImapNoError } from '../imap-errors.js';
import { quotaResources, quotaRootName } from '../quota-root.js';

export const getquotarootHandler: CommandHandler<GetQuotaRootCommand> = {
  states: authenticatedStates,
  async run(session, command) {
    const user = session.requireUser();
    const name = session.mailboxName(command.mailbox);
    if (!session.server.reader.getMailbox(user, name)) throw new ImapNoError('Mailbox does not exist', { code: 'NONEXISTENT' });
    const resources = quotaResources(session.server, user);
    writeQuotaRoot(session.out, session.wireName(name), resources === null ? [] : [quotaRootName]);
    if (resources !== null) writeQuota(session.out, quotaRootName, resources);
    return ok('GETQUOTAROOT completed');
  },
};
