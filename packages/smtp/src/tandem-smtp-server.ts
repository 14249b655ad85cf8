import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { enhancedCodePrefix } from './smtp-reply.js';

type ConnectionOptions = ConstructorParameters<typeof SMTPConnection>[2];

/**
 * Replies to a pipelined group (RFC 2920 §3.1: MAIL, RCPT, DATA sent in one write) may be sent in
 * one write too: smtp-server writes each reply on its own, a system call apiece. These codes end a
 * transaction step and are coalesced until the end of the event-loop turn; any other reply (the
 * greeting, EHLO, STARTTLS's 220 before the handshake takes the socket over, 221, 421) flushes
 * what is held and goes out at once, so nothing is ever held across a change of the socket.
 */
const coalescedReplyCodes = new Set([250, 251, 252, 354, 450, 451, 452, 501, 503, 550, 551, 552, 553, 554]);

/**
 * smtp-server derives the enhanced status code of a handler's error reply from the reply code
 * alone (550 → 5.1.1), which would label a relay refusal "bad destination mailbox". This
 * connection sends a reply text that already starts with its enhanced code (RFC 3463) as it is,
 * so our replies carry the code we chose; every other reply keeps the library's code.
 */
class ExplicitReplyConnection extends SMTPConnection {
  private corkedSocket: Socket | TLSSocket | undefined;

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (coalescedReplyCodes.has(code)) this.holdReplies();
    if (typeof data === 'string' && enhancedCodePrefix.test(data)) super.send(code, data, false);
    else super.send(code, data, context);
    if (!coalescedReplyCodes.has(code)) this.flushReplies();
  }

  /** Corks the socket until the end of this event-loop turn (see coalescedReplyCodes). */
  private holdReplies(): void {
    const socket = this._socket as Socket | TLSSocket | undefined;
    if (this.corkedSocket || !socket || socket.destroyed || this._upgrading) return;
    socket.cork();
    this.corkedSocket = socket;
    setImmediate(() => this.flushReplies());
  }

  private flushReplies(): void {
    const socket = this.corkedSocket;
    this.corkedSocket = undefined;
    if (socket && socket.writableCorked > 0) socket.uncork();
  }
}

export class TandemSmtpServer extends SMTPServer {
  // Mirrors SMTPServer.connect() of smtp-server 3.x with our connection class; the intake tests
  // (exact replies, sessions served) fail if a new version changes what connect() must do.
  override connect(socket: Socket | TLSSocket, socketOptions?: ConnectionOptions): void {
    const connection = new ExplicitReplyConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data) => this._onClientConnect(data));
    connection.init();
  }

  /**
   * Closes a session's connection without a reply (see ReplyDecision 'drop'): the socket is
   * destroyed, so no byte the client could read as an answer is written.
   */
  dropSession(sessionId: string): void {
    for (const connection of this.connections) {
      if (connection.id === sessionId) connection._socket.destroy();
    }
  }

  /** Answers 421 to every open session and closes it (shutdown, after in-flight deliveries drained). */
  closeAllSessions(text: string): void {
    for (const connection of [...this.connections]) {
      connection.send(421, text);
      connection.close();
    }
  }
}
