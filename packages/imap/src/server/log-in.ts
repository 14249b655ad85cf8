/**
 * Logging in, shared by LOGIN and AUTHENTICATE: plaintext refused unless allowed (RFC 9051 §6.2.3,
 * DESIGN.md §7), failures slowed per client address and counted per session, sessions per user
 * bounded (limits.imapSessionsPerUserMax). On success the tagged OK carries the new capability
 * list (RFC 9051 §6.2.2), so clients need no second CAPABILITY.
 */
import { limits } from '@tandem/config';
import type { CommandResult } from './command-handler.js';
import { ImapNoError, SessionEndError } from './imap-errors.js';
import { checkPassword } from './password-check.js';
import type { Session } from './session.js';

export function requireLoginAllowed(session: Session): void {
  if (!session.loginAllowed) {
    throw new ImapNoError('Plaintext authentication is disabled; use STARTTLS or port 993', { code: 'PRIVACYREQUIRED' });
  }
}

export async function logIn(session: Session, username: string, password: string): Promise<CommandResult> {
  requireLoginAllowed(session);
  const { throttle, reader, connections, logger } = session.server;
  const delayMs = throttle.delayMsBeforeAttempt(session.remoteAddress, Date.now());
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const address = await checkPassword(reader, username, password);
  if (address === null) {
    throttle.recordFailure(session.remoteAddress, Date.now());
    session.authFailures++;
    logger.info({ session: session.id, client: session.remoteAddress, failures: session.authFailures }, 'IMAP login failed');
    if (session.authFailures >= limits.imapAuthFailuresPerSessionMax) throw new SessionEndError('Too many failed logins');
    throw new ImapNoError('Authentication failed', { code: 'AUTHENTICATIONFAILED' });
  }
  if (!connections.openUser(address)) {
    throw new ImapNoError(`Too many sessions for this user (at most ${connections.values.sessionsPerUserMax})`, { code: 'LIMIT' });
  }
  session.user = address;
  session.state = 'authenticated';
  logger.info({ session: session.id, user: address, client: session.remoteAddress }, 'IMAP login');
  return { text: 'Logged in', code: { code: 'CAPABILITY', capabilities: session.capabilities() } };
}
