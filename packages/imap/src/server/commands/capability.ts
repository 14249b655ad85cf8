/** CAPABILITY (RFC 9051 §6.1.1). */
import type { NoArgumentCommand } from '../../wire/command-types.js';
import { writeCapability } from '../../wire/response-encoder.js';
import { anyState, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';

export const capabilityHandler: CommandHandler<NoArgumentCommand> = {
  states: anyState,
  async run(session) {
    writeCapability(session.out, session.capabilities());
    return ok('CAPABILITY completed');
  },
};
