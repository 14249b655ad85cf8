/** SETQUOTA (RFC 9208 §4.1): quotas are the administrator's (tandem CLI), not the user's. */
import type { SetQuotaCommand } from '../../wire/command-types.js';
import { authenticatedStates } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { ImapNoError } from '../imap-errors.js';

export const setquotaHandler: CommandHandler<SetQuotaCommand> = {
  states: authenticatedStates,
  async run() {
    throw new ImapNoError('Quotas are set by the administrator', { code: 'NOPERM' });
  },
};
