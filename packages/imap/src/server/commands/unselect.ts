/** UNSELECT (RFC 3691, RFC 9051 §6.4.2): leave the mailbox without expunging anything. */
import type { NoArgumentCommand } from '../../wire/command-types.js';
import { ok, selectedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';

export const unselectHandler: CommandHandler<NoArgumentCommand> = {
  states: selectedState,
  expungesAllowed: () => false,
  async run(session) {
    session.deselect();
    return ok('UNSELECT completed');
  },
};
