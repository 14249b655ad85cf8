/** LOGIN (RFC 9051 §6.2.3): user name = the full address. */
import type { LoginCommand } from '../../wire/command-types.js';
import { notAuthenticatedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { logIn } from '../log-in.js';

export const loginHandler: CommandHandler<LoginCommand> = {
  states: notAuthenticatedState,
  run: (session, command) => logIn(session, command.username, command.password),
};
