/**
 * IDLE (RFC 2177, RFC 9051 §6.3.13): "+ idling", then mailbox changes are pushed as they are
 * applied (EXISTS, EXPUNGE or VANISHED, FETCH FLAGS — all allowed while idling), until the client
 * sends DONE. A keepalive "* OK Still here" goes out every limits.imapIdleKeepaliveMs; the
 * autologout timer still runs (clients re-issue IDLE within 29 minutes, RFC 2177 §3).
 */
import type { NoArgumentCommand } from '../../wire/command-types.js';
import { writeContinuation, writeUntaggedStatus } from '../../wire/response-encoder.js';
import { authenticatedStates, ok } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { ImapBadError } from '../imap-errors.js';
import type { Session } from '../session.js';

export const idleHandler: CommandHandler<NoArgumentCommand> = {
  states: authenticatedStates,
  async run(session) {
    writeContinuation(session.out, 'idling');
    session.announce(true);
    await session.flush();
    const stop = pushChanges(session);
    try {
      const line = (await session.readLine()).toString('latin1');
      if (line.toUpperCase() !== 'DONE') throw new ImapBadError('Expected DONE to end IDLE');
    } finally {
      stop();
    }
    return ok('IDLE terminated');
  },
};

/** Pushes the selected mailbox's changes as they come (coalesced per event-loop turn); returns the stopper. */
function pushChanges(session: Session): () => void {
  const view = session.selected;
  let stopped = false;
  let scheduled = false;
  const push = (): void => {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (stopped) return;
      if (view?.gone) {
        void session.bye(`Selected mailbox was ${view.gone} by another session`);
        return;
      }
      session.announce(true);
      void session.flush();
    });
  };
  if (view) view.onChange = push;
  const keepalive = setInterval(() => {
    writeUntaggedStatus(session.out, 'OK', 'Still here');
    void session.flush();
  }, session.server.timeouts.idleKeepaliveMs);
  keepalive.unref();
  return () => {
    stopped = true;
    clearInterval(keepalive);
    if (view) view.onChange = null;
  };
}
