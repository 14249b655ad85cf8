/** LOGOUT (RFC 9051 §6.1.3): untagged BYE, tagged OK, then the server closes the connection. */
import type { NoArgumentCommand } from '../../wire/command-types.js';
import { writeUntaggedStatus } from '../../wire/response-encoder.js';
import { anyState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';

export const logoutHandler: CommandHandler<NoArgumentCommand> = {
  states: anyState,
  // RFC 9051 §6.1.3: no mailbox updates are owed after BYE.
  expungesAllowed: () => false,
  async run(session) {
    session.deselect();
    writeUntaggedStatus(session.out, 'BYE', 'Logging out');
    return { text: 'LOGOUT completed', after: () => session.end() };
  },
};
