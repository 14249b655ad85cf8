/**
 * ID (RFC 2971): the client's identification is logged; the server tells its name. Valid in any
 * state (§3.1). Nothing about the host or version that would help an attacker is sent.
 */
import type { IdCommand } from '../../wire/command-types.js';
import { writeId } from '../../wire/response-encoder.js';
import { anyState, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';

export const idHandler: CommandHandler<IdCommand> = {
  states: anyState,
  async run(session, command) {
    if (command.parameters) {
      session.server.logger.info({ session: session.id, client: Object.fromEntries(command.parameters) }, 'IMAP client ID');
    }
    writeId(session.out, [['name', 'Tandem Mail'], ['vendor', 'Tandem']]);
    return ok('ID completed');
  },
};
