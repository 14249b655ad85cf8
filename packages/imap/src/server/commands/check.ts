/**
 * CHECK (RFC 3501 §6.4.1): every change is already durable when its command is answered (the
 * command log fsyncs before apply, DESIGN.md §3), so there is nothing to checkpoint. IMAP4rev2
 * removed CHECK; it stays for IMAP4rev1 clients and behaves like NOOP.
 */
import type { NoArgumentCommand } from '../../wire/command-types.js';
import { ok, selectedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';

export const checkHandler: CommandHandler<NoArgumentCommand> = {
  states: selectedState,
  async run() {
    return ok('CHECK completed');
  },
};
