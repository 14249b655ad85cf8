/**
 * ENABLE (RFC 5161): turns on CONDSTORE, QRESYNC (RFC 7162 §3.2.3: implies CONDSTORE),
 * UTF8=ACCEPT (RFC 6855 §3) and IMAP4rev2 (RFC 9051 §6.3.1). Unknown names are ignored (§3.1);
 * "* ENABLED" lists only what this command newly turned on.
 */
import type { EnableCommand } from '../../wire/command-types.js';
import { writeEnabled } from '../../wire/response-encoder.js';
import { enableableCapabilities } from '../capabilities.js';
import { ImapBadError } from '../imap-errors.js';
import { ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { enableCondstore } from '../condstore-enabling.js';

export const enableHandler: CommandHandler<EnableCommand> = {
  // RFC 5161 §3.1: only in the authenticated state; RFC 6855 §3: UTF8=ACCEPT before SELECT.
  states: ['authenticated', 'selected'],
  async run(session, command) {
    const newly: string[] = [];
    for (const name of command.capabilities) {
      const upper = name.toUpperCase();
      if (!enableableCapabilities.has(upper) || session.enabled.has(upper)) continue;
      if ((upper === 'UTF8=ACCEPT' || upper === 'IMAP4REV2') && session.state === 'selected') {
        throw new ImapBadError(`${name} must be enabled before a mailbox is selected`);
      }
      if (upper === 'QRESYNC' || upper === 'CONDSTORE') {
        if (enableCondstore(session) && upper === 'CONDSTORE') newly.push('CONDSTORE');
        if (upper === 'QRESYNC') {
          session.enabled.add('QRESYNC');
          newly.push('QRESYNC');
        }
        continue;
      }
      session.enabled.add(upper);
      newly.push(upper === 'IMAP4REV2' ? 'IMAP4rev2' : upper);
    }
    writeEnabled(session.out, newly);
    return ok('ENABLE completed');
  },
};
