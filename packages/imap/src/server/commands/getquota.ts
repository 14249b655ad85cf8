/** GETQUOTA (RFC 9208 §4.2). */
import type { GetQuotaCommand } from '../../wire/command-types.js';
import { writeQuota } from '../../wire/response-encoder.js';
import { authenticatedStates, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { ImapNoError } from '../imap-errors.js';
import { quotaResources, quotaRootName } from '../quota-root.js';

export const getquotaHandler: CommandHandler<GetQuotaCommand> = {
  states: authenticatedStates,
  async run(session, command) {
    const resources = quotaResources(session.server, session.requireUser());
    if (command.root !== quotaRootName || resources === null) throw new ImapNoError('No such quota root', { code: 'NONEXISTENT' });
    writeQuota(session.out, quotaRootName, resources);
    return ok('GETQUOTA completed');
  },
};
