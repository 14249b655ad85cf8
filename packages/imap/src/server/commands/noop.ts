/**
 * NOOP (RFC 9051 §6.1.2): does nothing itself; the session adds the pending mailbox updates
 * (EXISTS, EXPUNGE, FETCH FLAGS) before the tagged OK, which is what clients poll it for.
 */
import type { NoArgumentCommand } from '../../wire/command-types.js';
import { anyState, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';

export const noopHandler: CommandHandler<NoArgumentCommand> = {
  states: anyState,
  async run() {
    return ok('NOOP completed');
  },
};
