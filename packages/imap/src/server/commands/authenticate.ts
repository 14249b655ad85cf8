/**
 * AUTHENTICATE (RFC 9051 §6.2.2) with PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login),
 * and an initial response on the command line (SASL-IR, RFC 4959). A client answer of "*" cancels
 * the exchange (BAD, RFC 9051 §6.2.2).
 */
import type { AuthenticateCommand } from '../../wire/command-types.js';
import { writeContinuation } from '../../wire/response-encoder.js';
import { notAuthenticatedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { ImapBadError, ImapNoError } from '../imap-errors.js';
import { logIn, requireLoginAllowed } from '../log-in.js';
import type { Session } from '../session.js';

const base64Re = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const authenticateHandler: CommandHandler<AuthenticateCommand> = {
  states: notAuthenticatedState,
  async run(session, command) {
    requireLoginAllowed(session);
    if (command.mechanism === 'PLAIN') {
      const response = command.initialResponse ?? await challenge(session, '');
      const [authzid, authcid, password] = splitPlain(decode(response));
      // RFC 4616 §2: an authorization identity other than the user's own is not supported here.
      if (authzid !== '' && authzid.toLowerCase() !== authcid.toLowerCase()) {
        throw new ImapNoError('Authorization as another user is not allowed', { code: 'AUTHORIZATIONFAILED' });
      }
      return logIn(session, authcid, password);
    }
    if (command.mechanism === 'LOGIN') {
      const username = decode(command.initialResponse ?? await challenge(session, 'Username:'));
      const password = decode(await challenge(session, 'Password:'));
      return logIn(session, username, password);
    }
    throw new ImapNoError(`Unsupported authentication mechanism ${command.mechanism}`, { code: 'CANNOT' });
  },
};

/** Sends a base64 challenge and reads the client's base64 answer. */
async function challenge(session: Session, text: string): Promise<string> {
  writeContinuation(session.out, Buffer.from(text).toString('base64'));
  await session.flush();
  const line = (await session.readLine()).toString('latin1');
  if (line === '*') throw new ImapBadError('Authentication cancelled');
  if (line !== '' && line !== '=' && !base64Re.test(line)) throw new ImapBadError('Authentication response is not base64');
  return line;
}

function decode(response: string): string {
  return response === '=' ? '' : Buffer.from(response, 'base64').toString('utf8');
}

/** RFC 4616 §2: [authzid] NUL authcid NUL passwd. */
function splitPlain(message: string): [string, string, string] {
  const parts = message.split('\u0000');
  if (parts.length !== 3 || parts[1] === '') throw new ImapBadError('Malformed PLAIN response');
  return [parts[0]!, parts[1]!, parts[2]!];
}
