/**
 * CREATE (RFC 9051 §6.3.4), with CREATE-SPECIAL-USE (RFC 6154 §3): "CREATE name (USE (\Sent))".
 * Missing superiors are created too (the store does it, §6.3.4 "SHOULD"); a trailing delimiter is
 * dropped by the name validation. INBOX always exists.
 */
import { specialUseAttributes } from '@tandem/store';
import type { CreateCommand } from '../../wire/command-types.js';
import { authenticatedStates, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { ImapNoError } from '../imap-errors.js';

export const createHandler: CommandHandler<CreateCommand> = {
  states: authenticatedStates,
  async run(session, command) {
    const user = session.requireUser();
    const name = session.mailboxName(command.mailbox);
    if (name === 'INBOX') throw new ImapNoError('INBOX always exists', { code: 'ALREADYEXISTS' });
    // RFC 6154 §3: a special use the server cannot give → NO [USEATTR], nothing created. Each
    // mailbox holds one special use here, and \All / \Flagged are virtual (never stored).
    if (command.specialUse.length > 1) throw new ImapNoError('Only one special use per mailbox', { code: 'USEATTR' });
    const specialUse = command.specialUse[0];
    const canonical = specialUseAttributes.find((a) => a.toLowerCase() === specialUse?.toLowerCase());
    if (specialUse !== undefined && canonical === undefined) {
      throw new ImapNoError(`Special use ${specialUse} is not supported`, { code: 'USEATTR' });
    }
    await session.propose({ type: 'mailbox.create', user, mailbox: name, ...(canonical ? { specialUse: canonical } : {}) });
    return ok('CREATE completed');
  },
};
