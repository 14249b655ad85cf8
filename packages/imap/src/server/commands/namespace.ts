/**
 * NAMESPACE (RFC 2342, RFC 9051 §6.3.10): one personal namespace with "/" as the delimiter; no
 * other users' or shared namespaces (a user never reaches another user's mailboxes, DESIGN.md §7).
 */
import type { NoArgumentCommand } from '../../wire/command-types.js';
import { writeNamespace } from '../../wire/response-encoder.js';
import { hierarchyDelimiter } from '@tandem/store';
import { authenticatedStates, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';

export const namespaceHandler: CommandHandler<NoArgumentCommand> = {
  states: authenticatedStates,
  async run(session) {
    writeNamespace(session.out, [{ prefix: '', delimiter: hierarchyDelimiter }], [], []);
    return ok('NAMESPACE completed');
  },
};
