/**
 * STARTTLS (RFC 9051 §6.2.1): only on the plaintext listener, before login. The TLS negotiation
 * starts after the tagged OK; whatever the client sent after the command in plaintext is dropped.
 * The client must ask for CAPABILITY again afterwards (the list changes: LOGINDISABLED goes).
 */
import type { NoArgumentCommand } from '../../wire/command-types.js';
import { ImapBadError } from '../imap-errors.js';
import { notAuthenticatedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';

export const starttlsHandler: CommandHandler<NoArgumentCommand> = {
  states: notAuthenticatedState,
  async run(session) {
    if (session.secure) throw new ImapBadError('TLS is already active');
    if (session.listener !== 'imap') throw new ImapBadError('STARTTLS is not offered on this port');
    return { text: 'Begin TLS negotiation now', after: () => session.startTls() };
  },
};
