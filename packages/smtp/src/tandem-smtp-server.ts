import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { enhancedCodePrefix } from './smtp-reply.js';

type ConnectionOptions = ConstructorParameters<typeof SMTPConnection>[2];

/**
 * smtp-server derives the enhanced status code of a handler's error reply from the reply code
 * alone (550 → 5.1.1), which would label a relay refusal "bad destination mailbox". This
 * connection sends a reply text that already starts with its enhanced code (RFC 3463) as it is,
 * so our replies carry the code we chose; every other reply keeps the library's code.
 */
class ExplicitReplyConnection extends SMTPConnection {
  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (typeof data === 'string' && enhancedCodePrefix.test(data)) return super.send(code, data, false);
    return super.send(code, data, context);
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
